import ChamberDomain
import ChamberTestSupport
import Foundation
import Testing

@testable import ChamberStorage

/// Notices owed, on both databases, on a clock the test sets: left to their own node for 30 s, then claimed by one
/// worker at a time for a lease, tried again when told, given up once.
@Suite("Notices owed in the store")
struct NoticeOutboxStoreTests {
    static let t0 = StoreSuiteTests.now

    @Test("due 30 s after it was made; a claim holds it 60 s and counts the try; a failed try sets when it is due; given up once")
    func lifecycle() async throws {
        for backend in TestBackend.enabled {
            try await backend.withDatabase(isolated: true) { db in
                let (store, ada, chamber, _) = try await MessageBatchTests.room(on: db)
                let outbox = store.noticeOutbox
                let notice = Notice(
                    chamberID: chamber.id, userID: ada.id, category: .billing, subject: .invoice(.generate()), title: "Your dues invoice",
                    text: "100.00 USD due", mailSubject: "Chamber: your dues invoice", at: Self.t0)
                try await ChamberScopedSQL(executor: db, chamberID: chamber.id).transaction { tx in
                    try await SQLNoticeOutboxStore.insert([notice], in: tx)
                }
                let at = { (seconds: TimeInterval) in Self.t0.addingTimeInterval(seconds) }
                #expect(try await outbox.owed([notice.id]) == [OwedNotice(notice, attempts: 0)], "\(backend)")
                #expect(try await outbox.nextDue() == at(30))
                #expect(try await outbox.claim(at: at(29.9), lease: 60, limit: 10).isEmpty, "its own node's for 30 s")
                #expect(try await outbox.claim(at: at(30), lease: 60, limit: 10) == [OwedNotice(notice, attempts: 1)])
                #expect(try await outbox.claim(at: at(31), lease: 60, limit: 10).isEmpty, "held by the claim")
                #expect(try await outbox.nextDue() == at(90))
                #expect(try await outbox.claim(at: at(90), lease: 60, limit: 10).map(\.attempts) == [2], "the claimant died: claimed again")
                try await outbox.failed(notice.id, error: "unavailable", retryAt: at(1_000))
                #expect(try await outbox.claim(at: at(999), lease: 60, limit: 10).isEmpty)
                #expect(try await outbox.claim(at: at(1_000), lease: 60, limit: 10).map(\.attempts) == [3])
                #expect(try await outbox.abandon(notice.id))
                #expect(try await outbox.abandon(notice.id) == false, "given up once")
                #expect(try await outbox.owed([notice.id]).isEmpty)
                #expect(try await outbox.nextDue() == nil)
            }
        }
    }
}
