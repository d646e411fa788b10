import ChamberDomain
import Foundation
import Logging

/// The embedded mailer: writes each mail to the log and to the `outbound_mail` table, where support (and the
/// tests) can read it. A real SMTP sender implements the same ``Mailer`` port.
public struct RecordingMailer: Mailer {
    let outbox: any MailOutboxStore
    let logger: Logger

    public init(outbox: any MailOutboxStore, logger: Logger) {
        self.outbox = outbox
        self.logger = logger
    }

    public func send(_ mail: Mail) async throws {
        try await outbox.record(mail, at: Date())
        logger.info(
            "mail sent",
            metadata: ["mail.kind": "\(mail.kind.rawValue)", "mail.to": "\(mail.to)", "mail.subject": "\(mail.subject)", "mail.body": "\(mail.body)"])
    }
}
