import ChamberDomain
import Logging

/// The transport of a server with no SMTP relay configured (the embedded default): it sends nothing outside and
/// writes each mail, body included, to the log, where a developer finds the reset or invitation link.
public struct RecordingMailTransport: MailTransport {
    private let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public func deliver(_ mail: Mail) async -> MailOutcome {
        logger.info(
            "mail recorded, not sent (no SMTP relay configured)",
            metadata: ["mail.kind": "\(mail.kind.rawValue)", "mail.to": "\(mail.to)", "mail.subject": "\(mail.subject)", "mail.body": "\(mail.body)"])
        return .recorded
    }
}
