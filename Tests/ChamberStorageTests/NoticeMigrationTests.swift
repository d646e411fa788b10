import ChamberDomain
import ChamberTestSupport
import Foundation
import Logging
import Testing

@testable import ChamberStorage

/// Migration 42: notifications may name a subject instead of a channel. SQLite cannot loosen a column, so the table is
/// built again: every notification must come through it as it was, indexes included.
@Suite("Migration 42: notices in the feed")
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
            let notice = Notification(
                Notice(
                    chamberID: chamber.id, userID: ada.id, category: .billing, subject: .invoice(InvoiceID.generate()), title: "Your dues invoice",
                    text: "due"), id: .generateOrdered(), at: at)
            _ = try await feed.add(message)
            #expect(try await feed.add(notice) == 1)
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
        }
    }
}
