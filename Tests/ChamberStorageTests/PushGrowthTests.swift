import ChamberDomain
import ChamberTestSupport
import Foundation
import Testing

@testable import ChamberStorage

/// A push job grows by newer messages only while it waits: once claimed, or sent and released, the newer message
/// gets a job of its own. A job that grew after its push left would carry a message no push told (found by
/// `LoadTests/faults/fault-run.sh clock-skew-push`: phones without the last announcement, its job marked sent).
@Suite("Push jobs grow only while they wait")
struct PushGrowthTests {
    static let t0 = StoreSuiteTests.now

    @Test(
        "a job grows when pending and unclaimed, and in no other state",
        arguments: [
            ("pending", nil, true), ("pending", "a-worker", false), ("sent", nil, false), ("cancelled", nil, false), ("dead", nil, false),
            ("gone", nil, false),
        ] as [(String, String?, Bool)])
    func growsOnlyWhileWaiting(status: String, claim: String?, grows: Bool) async throws {
        for backend in TestBackend.enabled {
            try await backend.withDatabase(isolated: true) { db in
                let store = SQLStore(database: db, fields: .testing)
                let ada = try await StoreSuiteTests.user("ada", in: store)
                let chamber = try await StoreSuiteTests.chamber(ada, in: store)
                let first = MessageBatchTests.draft(chamber, .generate(), ada, "first")
                let id = PushJobID.generateOrdered()
                let scoped = ChamberScopedSQL(executor: db, chamberID: chamber.id)
                try await scoped.query(
                    """
                    INSERT INTO push_outbox (id, chamber_id, user_id, device_id, platform, channel_id, category, seq, message_id, actor_name,
                        title, text, count, preview, urgent, status, attempts, not_before, claim, created_at)
                    VALUES (?, :chamber, ?, 'device', 'fcm', ?, 'announcements', 1, ?, 'Ada', 'News', 'first', 1, 1, 0, ?, 1, ?, ?, ?)
                    """,
                    [
                        .id(id), .id(ada.id), .id(first.channelID), .id(first.id), .text(status), .date(Self.t0), claim.map { .text($0) } ?? .null,
                        .date(Self.t0),
                    ])
                let newer = MessageBatchTests.draft(chamber, first.channelID, ada, "second")
                let grew = try await scoped.transaction { tx in
                    try await SQLPushOutboxStore.grow(
                        id, to: newer, push: PushAddition(actorName: "Ada", preview: true, urgent: false), title: "News", text: "second",
                        count: 2, in: tx)
                }
                #expect(grew == grows, "\(backend), \(status), claim \(claim ?? "none")")
                let row = try #require(
                    try await scoped.query("SELECT text, count FROM push_outbox WHERE chamber_id = :chamber AND id = ?", [.id(id)]).first)
                #expect(try row.string("text") == (grows ? "second" : "first"), "\(backend)")
            }
        }
    }
}
