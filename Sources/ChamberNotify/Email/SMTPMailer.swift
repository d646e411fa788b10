import ChamberDomain
import Foundation
import Logging
import NIOCore
import NIOPosix

/// The ``Mailer`` that delivers: each mail becomes a ``MIMEMessage`` (text and HTML) handed to an SMTP relay by
/// ``SMTPClient``, one connection per mail.
///
/// Failures are thrown as ``SMTPError``; `isTransient` tells whether sending again later can help.
public struct SMTPMailer: Mailer {
    private let client: SMTPClient
    private let logger: Logger

    /// - Throws: When the TLS trust roots file of `configuration` cannot be read.
    public init(
        configuration: SMTPConfiguration, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "chamber.mail.smtp")
    ) throws {
        self.client = try SMTPClient(configuration: configuration, eventLoopGroup: eventLoopGroup)
        self.logger = logger
    }

    public var configuration: SMTPConfiguration { client.configuration }

    /// The message `mail` becomes, with a fresh date, Message-ID and boundary.
    public func message(for mail: Mail) -> MIMEMessage {
        let configuration = client.configuration
        return MIMEMessage(
            from: MIMEMessage.Mailbox(configuration.fromAddress, name: configuration.fromName), to: MIMEMessage.Mailbox(mail.to),
            subject: mail.subject, text: mail.body,
            listUnsubscribe: mail.unsubscribeURL.flatMap(URL.init(string:)))
    }

    public func send(_ mail: Mail) async throws {
        let message = self.message(for: mail)
        // Never the body: it carries reset and invitation tokens.
        let metadata: Logger.Metadata = ["mail.kind": "\(mail.kind.rawValue)", "mail.to": "\(mail.to)", "mail.message_id": "\(message.messageID)"]
        do {
            try await client.send(message.rendered, from: client.configuration.fromAddress, to: [mail.to])
            logger.info("mail sent", metadata: metadata)
        } catch let error as SMTPError {
            var metadata = metadata
            metadata["error.code"] = "\(error.code)"
            metadata["error"] = "\(error)"
            logger.warning("mail not sent", metadata: metadata)
            throw error
        }
    }
}

extension SMTPMailer: MailTransport {
    /// Sends `mail`; a failure that may pass later (the relay unreachable, a 4xx) is ``MailOutcome/failedForNow(_:)``.
    public func deliver(_ mail: Mail) async -> MailOutcome {
        do {
            try await send(mail)
            return .accepted
        } catch let error as SMTPError {
            return error.isTransient ? .failedForNow("\(error)") : .rejected("\(error)")
        } catch {
            return .failedForNow("\(error)")
        }
    }
}
