import Foundation

/// What a provider answered to one push.
public enum PushOutcome: Sendable, Equatable {
    /// Accepted for delivery.
    case accepted
    /// The device is gone for good (APNs 410, FCM `UNREGISTERED`, Web Push 404/410): its registration is removed.
    case deviceGone(String)
    /// Try again later: throttled, the provider down, the network failing. `retryAfter` is the provider's own
    /// `Retry-After`, honoured when given.
    case retry(String, retryAfter: TimeInterval?)
    /// Refused for good (a malformed request, a wrong topic): retrying cannot help.
    case rejected(String)
}

/// A client of one push service.
public protocol PushProvider: Sendable {
    /// Sends `message` to the device at `address` (always of this provider's platform). Never throws: every
    /// failure is an outcome.
    func send(_ message: PushMessage, to address: PushAddress) async -> PushOutcome

    /// Whether pushes leave the server (`false` for a stand-in that only records them, when the server has no
    /// credentials for the service).
    var delivers: Bool { get }
}

extension PushProvider {
    public var delivers: Bool { true }
}
