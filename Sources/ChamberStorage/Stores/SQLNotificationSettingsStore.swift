import ChamberDomain
import Foundation

struct SQLNotificationSettingsStore: NotificationSettingsStore {
    let sql: ChamberScopedSQL

    func chamberChoices() async throws -> NotificationChoices {
        try await sql.query("SELECT choices FROM chamber_notification_defaults WHERE chamber_id = :chamber").first
            .map { try $0.json("choices", as: NotificationChoices.self) } ?? NotificationChoices()
    }

    func setChamberChoices(_ choices: NotificationChoices, by actor: UserID, at instant: Date) async throws {
        try await sql.query(
            """
            INSERT INTO chamber_notification_defaults (chamber_id, choices, updated_by, updated_at) VALUES (:chamber, ?, ?, ?)
            ON CONFLICT (chamber_id) DO UPDATE SET choices = excluded.choices, updated_by = excluded.updated_by, updated_at = excluded.updated_at
            """, [try .json(choices), .id(actor), .date(instant)])
    }

    func memberChoices(of user: UserID) async throws -> NotificationChoices {
        try await Self.memberChoices(of: user, in: sql)
    }

    private static func memberChoices(of user: UserID, in sql: ChamberScopedSQL) async throws -> NotificationChoices {
        try await sql.query("SELECT choices FROM notification_choices WHERE chamber_id = :chamber AND user_id = ?", [.id(user)]).first
            .map { try $0.json("choices", as: NotificationChoices.self) } ?? NotificationChoices()
    }

    func updateMemberChoices(of user: UserID, applying patch: NotificationChoicesPatch, at instant: Date) async throws -> NotificationChoices {
        try await sql.transaction { tx in
            // Take the row's lock first (PostgreSQL), so that a concurrent patch reads what this one writes.
            try await tx.query(
                """
                INSERT INTO notification_choices (chamber_id, user_id, choices, updated_at) VALUES (:chamber, ?, '{"levels":{}}', ?)
                ON CONFLICT (chamber_id, user_id) DO UPDATE SET updated_at = excluded.updated_at
                """, [.id(user), .date(instant)])
            let choices = try await Self.memberChoices(of: user, in: tx).applying(patch)
            try await tx.query(
                "UPDATE notification_choices SET choices = ? WHERE chamber_id = :chamber AND user_id = ?", [try .json(choices), .id(user)])
            return choices
        }
    }

    func mutes(of user: UserID) async throws -> [ChannelMute] {
        try await sql.query("SELECT channel_id, until_at FROM notification_mutes WHERE chamber_id = :chamber AND user_id = ?", [.id(user)])
            .map { ChannelMute(channelID: try $0.id("channel_id"), until: try $0.optionalDate("until_at")) }
    }

    func mute(_ mute: ChannelMute, for user: UserID, at instant: Date) async throws {
        try await sql.query(
            """
            INSERT INTO notification_mutes (chamber_id, user_id, channel_id, until_at, created_at) VALUES (:chamber, ?, ?, ?, ?)
            ON CONFLICT (chamber_id, user_id, channel_id) DO UPDATE SET until_at = excluded.until_at, created_at = excluded.created_at
            """, [.id(user), .id(mute.channelID), .date(mute.until), .date(instant)])
    }

    func unmute(channelID: ChannelID, for user: UserID) async throws {
        try await sql.query(
            "DELETE FROM notification_mutes WHERE chamber_id = :chamber AND user_id = ? AND channel_id = ?", [.id(user), .id(channelID)])
    }

    func memberChoices(of users: [UserID]) async throws -> [UserID: NotificationChoices] {
        var choices: [UserID: NotificationChoices] = [:]
        for chunk in users.chunked(500) {
            for row in try await sql.query(
                "SELECT user_id, choices FROM notification_choices WHERE chamber_id = :chamber AND user_id IN (\(placeholders(chunk.count)))",
                chunk.map { .id($0) })
            {
                choices[try row.id("user_id")] = try row.json("choices", as: NotificationChoices.self)
            }
        }
        return choices
    }

    func usersWithChoices() async throws -> [UserID] {
        try await sql.query("SELECT user_id FROM notification_choices WHERE chamber_id = :chamber ORDER BY user_id").map { try $0.id("user_id") }
    }

    func mutes(by users: [UserID], in channelIDs: Set<ChannelID>) async throws -> [ChannelID: [UserID: ChannelMute]] {
        var mutes: [ChannelID: [UserID: ChannelMute]] = [:]
        // By user, as the key runs: a member mutes few channels, and the others are left out here.
        for chunk in users.chunked(500) {
            for row in try await sql.query(
                "SELECT user_id, channel_id, until_at FROM notification_mutes WHERE chamber_id = :chamber AND user_id IN (\(placeholders(chunk.count)))",
                chunk.map { .id($0) })
            {
                let channelID: ChannelID = try row.id("channel_id")
                guard channelIDs.contains(channelID) else { continue }
                mutes[channelID, default: [:]][try row.id("user_id")] = ChannelMute(channelID: channelID, until: try row.optionalDate("until_at"))
            }
        }
        return mutes
    }
}
