import ChamberDomain
import ChamberTestSupport
import Foundation
import Testing

@testable import ChamberStorage

/// E-mails owed for unread notifications, on both databases: a notification that asks for e-mail while a worker
/// holds the owed mail is never lost with it, and a worker whose lease ran out writes nothing.
@Suite("Owed notification e-mails")
struct NotificationEmailStoreTests {
    static let t0 = StoreSuiteTests.now

    static func addition(for user: User, in chamber: Chamber, due: Date) -> FeedAddition {
        let message = MessageBatchTests.draft(chamber, .generate(), user, "c")
        return FeedAddition(
            userID: user.id, category: .directMessages, channelID: message.channelID, newest: message, title: "t", count: 1, emailDue: due)
    }

    static func schedule(_ addition: FeedAddition, in chamber: Chamber, at instant: Date, db: any SQLDatabase) async throws {
        try await ChamberScopedSQL(executor: db, chamberID: chamber.id).transaction { tx in
            try await SQLNotificationEmailStore.schedule([addition], in: tx, at: instant)
        }
    }

    /// Each database with a member, her chamber and the mail she would be sent.
    static func withOwedMail(
        _ body: @escaping @Sendable (TestBackend, any SQLDatabase, SQLStore, User, Chamber, any NotificationEmailStore, Mail) async throws -> Void
    ) async throws {
        for backend in TestBackend.enabled {
            try await backend.withDatabase(isolated: true) { (db) async throws -> Void in
                let store = SQLStore(database: db, fields: .testing)
                let ada = try await StoreSuiteTests.user("ada", in: store)
                let chamber = try await StoreSuiteTests.chamber(ada, in: store)
                try await body(
                    backend, db, store, ada, chamber, store.notificationEmails, Mail(kind: .notifications, to: ada.email, subject: "s", body: "b"))
            }
        }
    }

    @Test("a notification during a claim stays owed, from itself on and due when it asked; then the next mail settles it")
    func notificationDuringClaim() async throws {
        try await Self.withOwedMail { backend, db, store, ada, chamber, emails, mail in
            try await Self.schedule(Self.addition(for: ada, in: chamber, due: Self.t0), in: chamber, at: Self.t0, db: db)
            let first = try await emails.claim(limit: 10, at: Self.t0.addingTimeInterval(1), lease: 60, claim: "one")
            #expect(first.map(\.generation) == [1], "\(backend)")
            // A fan-out that read the clock before the claim commits after it: its notification is not in this mail.
            let later = Self.t0.addingTimeInterval(3_600)
            try await Self.schedule(Self.addition(for: ada, in: chamber, due: later), in: chamber, at: Self.t0.addingTimeInterval(0.5), db: db)
            try await emails.settle(try #require(first.first), mail: mail, claim: "one", at: Self.t0.addingTimeInterval(2))
            #expect(try await emails.nextDue() == later, "owed again, due when the new notification asked (\(backend))")
            #expect(try await emails.claim(limit: 10, at: later.addingTimeInterval(-1), lease: 60, claim: "early").isEmpty)

            let second = try await emails.claim(limit: 10, at: later, lease: 60, claim: "two")
            #expect(second.first?.since == Self.t0.addingTimeInterval(0.5), "from the notification the first mail missed (\(backend))")
            try await emails.settle(try #require(second.first), mail: mail, claim: "two", at: later)
            #expect(try await emails.nextDue() == nil, "nothing more owed (\(backend))")
            #expect(try await store.mailOutbox.deliveries(to: ada.email, limit: 10).count == 2)
        }
    }

    @Test("a worker whose lease ran out settles nothing and queues no mail: the one that took over does")
    func lostClaim() async throws {
        try await Self.withOwedMail { backend, db, store, ada, chamber, emails, mail in
            try await Self.schedule(Self.addition(for: ada, in: chamber, due: Self.t0), in: chamber, at: Self.t0, db: db)
            let slow = try #require(try await emails.claim(limit: 10, at: Self.t0, lease: 10, claim: "slow").first)
            let taker = try #require(try await emails.claim(limit: 10, at: Self.t0.addingTimeInterval(11), lease: 10, claim: "taker").first)
            try await emails.settle(slow, mail: mail, claim: "slow", at: Self.t0.addingTimeInterval(12))
            #expect(try await store.mailOutbox.deliveries(to: ada.email, limit: 10).isEmpty, "\(backend)")
            try await emails.settle(taker, mail: mail, claim: "taker", at: Self.t0.addingTimeInterval(12))
            #expect(try await store.mailOutbox.deliveries(to: ada.email, limit: 10).count == 1, "\(backend)")
            #expect(try await emails.nextDue() == nil)
        }
    }
}
