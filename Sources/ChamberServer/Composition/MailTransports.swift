import ChamberDomain
import ChamberNotify
import Foundation
import Logging
import Metrics

/// The mail transport a configuration names, and the dispatcher over it.
enum MailTransports {
    /// The SMTP relay of `mail.smtp.*`, or, without `mail.smtp.host` (the embedded default), a transport that writes
    /// each mail to the log, said at start.
    static func make(_ configuration: ServerConfiguration, logger: Logger) throws -> any MailTransport {
        guard let host = configuration.smtpHost else {
            logger.notice("mail is recorded in the log, not sent: no SMTP relay configured (mail.smtp.host)")
            return RecordingMailTransport(logger: logger)
        }
        guard let security = SMTPConfiguration.Security(rawValue: configuration.smtpSecurity) else {
            throw ConfigurationError(key: "mail.smtp.security", "'\(configuration.smtpSecurity)' is not one of starttls, tls, none")
        }
        guard let from = configuration.mailFromAddress else {
            throw ConfigurationError(key: "mail.from_address", "the sender's address is required with mail.smtp.host")
        }
        var password: String?
        if let file = configuration.smtpPasswordFile {
            do {
                password = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .newlines)
            } catch {
                throw ConfigurationError(key: "mail.smtp.password_file", "'\(file)' cannot be read: \(error)")
            }
        }
        let smtp: SMTPConfiguration
        do {
            smtp = try SMTPConfiguration(
                host: host, port: configuration.smtpPort, security: security, username: configuration.smtpUsername, password: password,
                fromAddress: from, fromName: configuration.mailFromName, trustRootsFile: configuration.smtpCAFile)
        } catch {
            throw ConfigurationError(key: "mail.smtp", "\(error)")
        }
        do {
            let mailer = try SMTPMailer(configuration: smtp, logger: logger)
            logger.notice("mail goes to an SMTP relay", metadata: ["mail.smtp": "\(smtp)"])
            return mailer
        } catch {
            throw ConfigurationError(key: "mail.smtp.ca_file", "\(error)")
        }
    }

    static func dispatcher(
        _ configuration: ServerConfiguration, outbox: any MailOutboxStore, logger: Logger, now: @escaping @Sendable () -> Date
    ) throws -> MailDispatcher {
        MailDispatcher(
            outbox: outbox, transport: try make(configuration, logger: logger),
            schedule: RetrySchedule(base: TimeInterval(configuration.mailRetryBaseMs) / 1000, cap: 3_600, maxAttempts: configuration.mailMaxAttempts),
            now: now,
            observe: { result in
                Counter(label: "chamber_mail_total", dimensions: [("result", result.metricLabel)]).increment()
            })
    }
}

extension MailResult {
    /// The `result` label of `chamber_mail_total`.
    var metricLabel: String {
        switch self {
        case .sent: "sent"
        case .recorded: "recorded"
        case .retry: "retried"
        case .failed: "failed"
        }
    }
}
