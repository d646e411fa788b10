import ChamberTestSupport
import Foundation
import Testing

@testable import ChamberStorage

/// SQLite keeps no statistics unless asked, so its planner may pick an index that reads far more rows than an
/// obvious one would. These hold the hot reads to the index meant for them.
@Suite("SQLite query plans")
struct QueryPlanTests {
    /// The plan's detail lines, as `EXPLAIN QUERY PLAN` prints them.
    static func plan(of sql: String, in db: any SQLDatabase) async throws -> [String] {
        let positional = sql.replacingOccurrences(of: SQLPlaceholders.chamberMarker, with: "?")
        let binds = [SQLValue](repeating: .null, count: positional.filter { $0 == "?" }.count)
        return try await db.query("EXPLAIN QUERY PLAN " + positional, binds).map { try $0.string("detail") }
    }

    @Test("a channel's members are read by channel, not by sorting every member of the chamber")
    func channelMembers() async throws {
        try await TestBackend.sqlite.withDatabase { (db) async throws -> Void in
            let plan = try await Self.plan(of: SQLChannelStore.membersInJoinOrder, in: db)
            #expect(plan.contains { $0.contains("channel_members_channel") }, "plan: \(plan)")
            #expect(!plan.contains { $0.contains("TEMP B-TREE") }, "plan: \(plan)")
        }
    }

    @Test("the members of many channels are read by channel, not from every membership of the chamber")
    func membersOfEach() async throws {
        try await TestBackend.sqlite.withDatabase { (db) async throws -> Void in
            let plan = try await Self.plan(of: SQLChannelStore.membersOfEach(3), in: db)
            #expect(plan.contains { $0.contains("channel_id=?") && !$0.contains("channel_members_user") }, "plan: \(plan)")
        }
    }

    @Test("a member's channel list starts from their memberships, not from every channel of the chamber")
    func memberChannels() async throws {
        try await TestBackend.sqlite.withDatabase { (db) async throws -> Void in
            let plan = try await Self.plan(of: SQLChannelStore.summariesOfMember, in: db)
            #expect(plan.contains { $0.contains("channel_members_user") }, "plan: \(plan)")
            #expect(plan.contains { $0.contains("channels_chamber (chamber_id=? AND kind=?)") }, "plan: \(plan)")
        }
    }

    @Test("reading a channel's notifications touches the reader's own, not every member's")
    func readInChannel() async throws {
        try await TestBackend.sqlite.withDatabase { (db) async throws -> Void in
            let plan = try await Self.plan(of: SQLNotificationFeedStore.readInChannel, in: db)
            #expect(
                plan.contains { $0.contains("notifications_unread_by_user_channel (chamber_id=? AND user_id=? AND channel_id=?)") }, "plan: \(plan)")
        }
    }

    @Test("a phone's badge counts the member's own unread notifications, not every member's")
    func badges() async throws {
        try await TestBackend.sqlite.withDatabase { (db) async throws -> Void in
            let plan = try await Self.plan(of: SQLNotificationFanoutStore.badgesOf(3), in: db)
            #expect(plan.contains { $0.contains("notifications_unread_of_user (user_id=?)") }, "plan: \(plan)")
        }
    }
}
