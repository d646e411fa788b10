import Crypto
import Foundation

/// AWS Signature Version 4 for requests with an `Authorization` header, as S3 and S3-compatible stores check it
/// (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html).
public struct SigV4Signer: Sendable {
    public let accessKeyID: String
    private let secretAccessKey: String
    public let region: String
    public let service: String

    public init(accessKeyID: String, secretAccessKey: String, region: String, service: String = "s3") {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.region = region
        self.service = service
    }

    /// The SHA-256 of an empty payload, which every bodiless request signs.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// The headers to add to a request: `x-amz-date`, `x-amz-content-sha256` and `Authorization`.
    ///
    /// - Parameters:
    ///   - path: the request's path, already URI-encoded as it goes on the wire (S3 does not encode it twice).
    ///   - query: the query's name–value pairs, not yet encoded.
    ///   - headers: the other headers to sign, `host` among them.
    ///   - payloadHash: the hex SHA-256 of the body.
    public func sign(
        method: String, path: String, query: [(String, String)] = [], headers: [String: String], payloadHash: String, date: Date
    ) -> [(String, String)] {
        let (amzDate, day) = Self.stamps(date)
        var signed = Dictionary(uniqueKeysWithValues: headers.map { ($0.key.lowercased(), Self.trim($0.value)) })
        signed["x-amz-date"] = amzDate
        signed["x-amz-content-sha256"] = payloadHash
        let names = signed.keys.sorted()
        let canonicalQuery = query.map { (Self.encode($0.0), Self.encode($0.1)) }.sorted { $0 < $1 }.map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
        let canonicalRequest = [
            method, path.isEmpty ? "/" : path, canonicalQuery, names.map { "\($0):\(signed[$0]!)\n" }.joined(), names.joined(separator: ";"),
            payloadHash,
        ].joined(separator: "\n")
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, Self.hex(SHA256.hash(data: Data(canonicalRequest.utf8)))].joined(separator: "\n")
        var key = SymmetricKey(data: Data("AWS4\(secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        let signature = Self.hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key))
        let authorization =
            "AWS4-HMAC-SHA256 Credential=\(accessKeyID)/\(scope),SignedHeaders=\(names.joined(separator: ";")),Signature=\(signature)"
        return [("x-amz-date", amzDate), ("x-amz-content-sha256", payloadHash), ("Authorization", authorization)]
    }

    /// URI-encodes as SigV4 asks: every byte but the unreserved ones (RFC 3986), `/` too unless `keepSlash`.
    public static func encode(_ text: String, keepSlash: Bool = false) -> String {
        var out = ""
        for byte in text.utf8 {
            let unreserved =
                (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || [UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~")]
                    .contains(byte)
            if unreserved || (keepSlash && byte == UInt8(ascii: "/")) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// Lowercase hex, as SigV4 writes hashes and signatures.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// `20130524T000000Z` and `20130524`, in UTC.
    static func stamps(_ date: Date) -> (String, String) {
        let parts = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: date)
        let day = String(format: "%04d%02d%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
        return (day + String(format: "T%02d%02d%02dZ", parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0), day)
    }

    /// Leading and trailing spaces dropped, inner runs made one, as the canonical headers want.
    private static func trim(_ value: String) -> String {
        value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }
}
