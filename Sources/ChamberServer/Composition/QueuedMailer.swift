import ChamberDomain
import Foundation

/// The mailer the services use: a mail is a row in the outbox, sent by a worker (at once on this node, or by any
/// node later). A request that sends mail waits for no relay: a password reset for an address with an account
/// takes as long as one for an address without, and a relay that is down loses nothing.
struct QueuedMailer: Mailer {
    let outbox: any MailOutboxStore
    /// Tells this node's worker that a mail is waiting.
    let queued: @Sendable () -> Void
    /// The node's time: other nodes claim the mail by it.
    let now: @Sendable () -> Date

    func send(_ mail: Mail) async throws {
        try await outbox.record(mail, at: now())
        queued()
    }
}
