import AsyncHTTPClient
import ChamberDomain
import Crypto
import Foundation
import NIOCore
import NIOHTTP1

/// Posts webhook deliveries to chambers' endpoints, signed the way Stripe signs its own (so integrators' code for
/// one reads the other): `ChamberConnect-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed by the
/// endpoint's secret>`. Redirects are not followed (an endpoint answers where it is); the answer's body is not read
/// beyond a few kilobytes.
public struct WebhookHTTPTransport: WebhookTransport {
    private let http: HTTPClient
    private let timeout: TimeAmount

    /// A client of its own: no redirects, and connections to chambers' servers kept apart from providers'.
    public static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(10))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    public init(http: HTTPClient = WebhookHTTPTransport.client, timeout: TimeAmount = .seconds(10)) {
        self.http = http
        self.timeout = timeout
    }

    /// The `ChamberConnect-Signature` header of `body` sent at `timestamp` (Unix seconds).
    public static func signature(body: String, secret: String, timestamp: Int) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(timestamp).\(body)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return "t=\(timestamp),v1=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    public func post(_ delivery: WebhookDelivery, at instant: Date) async -> WebhookOutcome {
        var request = HTTPClientRequest(url: delivery.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "ChamberConnect-Webhooks/1")
        request.headers.add(name: "ChamberConnect-Event-Id", value: delivery.eventID)
        request.headers.add(name: "ChamberConnect-Event-Type", value: delivery.type.rawValue)
        request.headers.add(name: "ChamberConnect-Delivery-Id", value: delivery.id)
        request.headers.add(
            name: "ChamberConnect-Signature",
            value: Self.signature(body: delivery.body, secret: delivery.secret, timestamp: Int(instant.timeIntervalSince1970)))
        request.body = .bytes(ByteBuffer(string: delivery.body))
        do {
            let response = try await http.execute(request, timeout: timeout)
            _ = try? await response.body.collect(upTo: 4_096)
            let status = Int(response.status.code)
            if (200..<300).contains(status) { return .delivered(statusCode: status) }
            let retryAfter = [429, 503].contains(status) ? retryAfterSeconds(response.headers.first(name: "Retry-After")) : nil
            return .failed(statusCode: status, error: "answered \(status)", retryAfter: retryAfter)
        } catch {
            return .failed(statusCode: nil, error: "\(error)", retryAfter: nil)
        }
    }

    private func retryAfterSeconds(_ header: String?) -> TimeInterval? { RetryAfter.seconds(header) }
}
