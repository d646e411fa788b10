import AsyncHTTPClient
import ChamberDomain
import Crypto
import Foundation
import NIOCore
import NIOHTTP1

/// Where an S3-compatible store is and how to sign for it.
public struct S3Location: Sendable, Equatable {
    /// `https://s3.us-east-1.amazonaws.com`, or a compatible store's address (`http://127.0.0.1:9000`).
    public var endpoint: String
    public var bucket: String
    public var region: String
    /// Keys go after the bucket in the path (`endpoint/bucket/key`), which every compatible store understands;
    /// otherwise the bucket is a host name (`bucket.endpoint/key`), as AWS prefers.
    public var pathStyle: Bool

    public init(endpoint: String, bucket: String, region: String = "us-east-1", pathStyle: Bool = true) {
        self.endpoint = endpoint
        self.bucket = bucket
        self.region = region
        self.pathStyle = pathStyle
    }
}

/// A failure the object store answered with.
public struct S3Error: Error, CustomStringConvertible {
    public let status: UInt
    /// S3's error code (`SignatureDoesNotMatch`, `NoSuchBucket`), when the body had one.
    public let code: String?
    public var description: String { "the object store answered \(status)\(code.map { " \($0)" } ?? "")" }
}

/// Files in an S3-compatible object store: each file one object, put whole (S3 never shows a partial object),
/// every request signed with SigV4.
public struct S3FileStore: FileStore {
    private let location: S3Location
    private let signer: SigV4Signer
    private let http: HTTPClient
    private let timeout: TimeAmount
    private let now: @Sendable () -> Date

    public init(
        location: S3Location, accessKeyID: String, secretAccessKey: String, http: HTTPClient = .shared, timeout: TimeAmount = .seconds(30),
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.location = location
        self.signer = SigV4Signer(accessKeyID: accessKeyID, secretAccessKey: secretAccessKey, region: location.region)
        self.http = http
        self.timeout = timeout
        self.now = now
    }

    public func put(_ bytes: [UInt8], key: String, contentType: String) async throws {
        let response = try await send(
            "PUT", key: key, body: bytes, headers: ["content-type": contentType, "content-length": String(bytes.count)])
        try await expect(response, [200])
    }

    public func get(key: String) async throws -> [UInt8]? {
        let response = try await send("GET", key: key)
        if response.status == .notFound {
            _ = try await response.body.collect(upTo: 64 * 1024)
            return nil
        }
        guard response.status == .ok else {
            try await expect(response, [200])
            return nil
        }
        return Array(buffer: try await response.body.collect(upTo: 1 << 30))
    }

    public func delete(key: String) async throws {
        try await expect(try await send("DELETE", key: key), [200, 204, 404])
    }

    /// Creates the bucket (for tests and first set-up); a bucket that is there already is no error.
    public func createBucket() async throws {
        let response = try await send("PUT", key: nil)
        guard response.status == .conflict else { return try await expect(response, [200]) }
        _ = try await response.body.collect(upTo: 64 * 1024)
    }

    private func send(_ method: String, key: String?, body: [UInt8] = [], headers: [String: String] = [:]) async throws -> HTTPClientResponse {
        if let key { try FileKey.check(key) }
        guard let base = URLComponents(string: location.endpoint), let scheme = base.scheme, let endpointHost = base.host else {
            throw S3Error(status: 0, code: "InvalidEndpoint")
        }
        // The port only when it is not the scheme's own: the HTTP client leaves a default port out of its Host header,
        // and the signed host must be the one sent.
        let port = base.port.flatMap { (scheme == "https" && $0 == 443) || (scheme == "http" && $0 == 80) ? nil : $0 }
        let host = (location.pathStyle ? endpointHost : "\(location.bucket).\(endpointHost)") + (port.map { ":\($0)" } ?? "")
        let objectPath = key.map { "/" + SigV4Signer.encode($0, keepSlash: true) } ?? ""
        let path =
            (location.pathStyle ? "/\(SigV4Signer.encode(location.bucket))" : "") + (objectPath.isEmpty && !location.pathStyle ? "/" : objectPath)
        var signedHeaders = headers
        signedHeaders["host"] = host
        let payloadHash = body.isEmpty ? SigV4Signer.emptyPayloadHash : SigV4Signer.hex(SHA256.hash(data: body))
        var request = HTTPClientRequest(url: "\(scheme)://\(host)\(path)")
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers where name != "content-length" { request.headers.add(name: name, value: value) }
        for (name, value) in signer.sign(method: method, path: path, headers: signedHeaders, payloadHash: payloadHash, date: now()) {
            request.headers.add(name: name, value: value)
        }
        if !body.isEmpty { request.body = .bytes(ByteBuffer(bytes: body)) }
        return try await http.execute(request, timeout: timeout)
    }

    private func expect(_ response: HTTPClientResponse, _ statuses: [UInt]) async throws {
        let text = String(buffer: try await response.body.collect(upTo: 64 * 1024))
        guard statuses.contains(response.status.code) else {
            let code = text.range(of: "<Code>").flatMap { start in
                text.range(of: "</Code>", range: start.upperBound..<text.endIndex).map { String(text[start.upperBound..<$0.lowerBound]) }
            }
            throw S3Error(status: response.status.code, code: code)
        }
    }
}
