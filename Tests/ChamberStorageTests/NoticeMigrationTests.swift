import ChamberDomain
import ChamberTestSupport
import Foundation
import Logging
import Testing

@testable import ChamberStorage

/// Migrations 42 and 43: notifications and push jobs may name a subject instead of a channel. SQLite cannot loosen a column, so the tables are
/// built again: every row must come through as it was, indexes included.
@Suite("Migrations 42 and 43: notices in the feed and on the phone")
struct NoticeMigrationTests {
    @Test("the rebuilt table keeps every notification, read or not; a notice and a message's notification are both stored and read back")
    func keeps() async throws {
        try await TestBackend.sqlite.withDatabase(isolated: true) { db in
            let (store, ada, chamber, room) = try await MessageBatchTests.room(on: db)
            let feed = store.scoped(to: chamber.id).notificationFeed
            let at = StoreSuiteTests.now
            let message = Notification(
                id: .generateOrdered(), chamberID: chamber.id, userID: ada.id, category: .mentions, channelID: room.id, seq: 7,
                messageID: .generate(), actorID: ada.id, title: "Room", text: "hello", count: 3, createdAt: at, updatedAt: at,
                readAt: at.addingTimeInterval(5))
            let owed = Notice(
                chamberID: chamber.id, userID: ada.id, category: .billing, subject: .invoice(InvoiceID.generate()), title: "Your dues invoice",
                text: "due", at: at)
            let notice = Notification(owed, recordedAt: at)
            // Both written as a notice owed and recorded (the feed's one way in for an entry of its own).
            let scope = ChamberScopedSQL(executor: db, chamberID: chamber.id)
            try await SQLNoticeOutboxStore.insert(
                [
                    owed,
                    Notice(
                        id: message.id, chamberID: chamber.id, userID: ada.id, category: .mentions, subject: owed.subject, title: "", text: "", at: at
                    ),
                ], in: scope)
            _ = try await feed.record(owed: message, inFeed: true, push: false, preview: true, mail: nil)
            #expect(try await feed.record(owed: notice, inFeed: true, push: false, preview: true, mail: nil)?.unread == 1)
            #expect(try await feed.record(owed: notice, inFeed: true, push: false, preview: true, mail: nil) == nil, "recorded once")
            // Built again from what is there (a notice's subject is the one thing the copy of version 41's columns leaves).
            try await db.query("DELETE FROM schema_migrations WHERE version = 42")
            try await db.query("UPDATE notifications SET subject_kind = NULL, subject_id = NULL")
            #expect(try await Migrator(database: db, logger: Logger(label: "test")).migrate() == [42])
            let page = try await feed.page(of: ada.id, unreadOnly: false, page: PageRequest(limit: 10), after: nil)
            #expect(page.items.first { $0.id == message.id } == message)
            let bare = Notification(
                id: notice.id, chamberID: notice.chamberID, userID: notice.userID, category: .billing, channelID: nil, seq: 0, messageID: nil,
                actorID: nil, title: notice.title, text: notice.text, count: 1, createdAt: at, updatedAt: at)
            #expect(page.items.first { $0.id == notice.id } == bare)
            let indexes = try await db.query(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'notifications' AND name NOT LIKE 'sqlite_%'"
            )
            .map { try $0.string("name") }.sorted()
            #expect(
                indexes == [
                    "notifications_feed", "notifications_unread_by_channel_time", "notifications_unread_by_user_channel",
                    "notifications_unread_of_user",
                ])
            #expect(try await feed.unreadCount(of: ada.id) == 1)
            // The table as migration 8 made it, but for the three columns loosened and the two added.
            let columns = try await db.query("SELECT name, \"notnull\" AS required FROM pragma_table_info('notifications') ORDER BY cid")
                .map { "\(try $0.string("name"))\(try $0.int("required") == 1 ? "!" : "")" }
            #expect(
                columns == [
                    "id", "chamber_id!", "user_id!", "category!", "channel_id", "seq!", "message_id", "actor_id", "title!", "text!", "count!",
                    "created_at!", "updated_at!", "read_at", "subject_kind", "subject_id",
                ])
            let references = try await db.query("SELECT \"table\" AS parent, on_delete FROM pragma_foreign_key_list('notifications')")
                .map { "\(try $0.string("parent")) \(try $0.string("on_delete"))" }.sorted()
            #expect(references == ["chambers CASCADE", "channels CASCADE", "users CASCADE"])
        }
    }

    @Test("migration 43 keeps every push job, claimed or not, with its indexes")
    func keepsPushes() async throws {
        try await TestBackend.sqlite.withDatabase(isolated: true) { db in
            let (_, ada, chamber, room) = try await MessageBatchTests.room(on: db)
            let columns =
                "id, chamber_id, user_id, device_id, platform, channel_id, category, seq, message_id, actor_name, title, text, count, preview, "
                + "urgent, status, attempts, not_before, claim, claimed_until, last_error, created_at, finished_at"
            let values: [SQLValue] = [
                .text(UUID().uuidString), .id(chamber.id), .id(ada.id), .text(UUID().uuidString), .text("fcm"), .id(room.id), .text("mentions"),
                .int(7), .text(UUID().uuidString), .text("Ada"), .text("Room"), .text("hello"), .int(2), .int(1), .int(0), .text("pending"),
                .int(1), .int(1_000), .text("claim-1"), .int(2_000), .text("unavailable"), .int(500), .null,
            ]
            try await db.query(
                "INSERT INTO push_outbox (\(columns)) VALUES (\(Array(repeating: "?", count: values.count).joined(separator: ", ")))", values)
            let before = try await db.query("SELECT \(columns) FROM push_outbox")
            try await db.query("DELETE FROM schema_migrations WHERE version = 43")
            #expect(try await Migrator(database: db, logger: Logger(label: "test")).migrate() == [43])
            #expect(try await db.query("SELECT \(columns) FROM push_outbox").map(\.values) == before.map(\.values))
            let indexes = try await db.query(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'push_outbox' AND name NOT LIKE 'sqlite_%'"
            )
            .map { try $0.string("name") }.sorted()
            #expect(
                indexes == [
                    "push_outbox_by_chamber", "push_outbox_claim", "push_outbox_due", "push_outbox_unclaimed", "push_outbox_unclaimed_by_channel",
                    "push_outbox_unclaimed_by_device",
                ])
            // The table as migration 9 made it, but for the two columns loosened and the two added.
            let loose = try await db.query("SELECT name FROM pragma_table_info('push_outbox') WHERE \"notnull\" = 0 ORDER BY cid").map {
                try $0.string("name")
            }
            #expect(loose == ["id", "channel_id", "message_id", "claim", "claimed_until", "last_error", "finished_at", "subject_kind", "subject_id"])
            let references = try await db.query("SELECT \"table\" AS parent, on_delete FROM pragma_foreign_key_list('push_outbox')")
                .map { "\(try $0.string("parent")) \(try $0.string("on_delete"))" }
            #expect(references == ["chambers CASCADE"])
        }
    }
}
