import ChamberDomain
import Logging

/// The provider of a platform that has no credentials configured (the embedded default): it sends nothing outside
/// and writes what it would have sent to the log. The job counts as sent, so the outbox and counts behave as in
/// production.
public struct RecordingPushProvider: PushProvider {
    private let platform: DevicePlatform
    private let logger: Logger

    public init(platform: DevicePlatform, logger: Logger) {
        self.platform = platform
        self.logger = logger
    }

    public var delivers: Bool { false }

    public func send(_ message: PushMessage, to address: PushAddress) async -> PushOutcome {
        logger.info(
            "push recorded, not sent (no \(platform.rawValue) credentials configured)",
            metadata: [
                "push.device": "\(address.hint)", "push.title": "\(message.title)", "push.body": "\(message.body)",
                "push.badge": "\(message.badge)", "push.id": "\(message.data["push_id"] ?? "")",
            ])
        return .accepted
    }
}
