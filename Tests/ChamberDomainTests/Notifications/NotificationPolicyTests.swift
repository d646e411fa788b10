import ChamberDomain
import Foundation
import Testing

/// The decision per recipient, as a table: settings, whether they are connected, the time → how they are told.
@Suite("Notifications: who is told, and how")
struct NotificationPolicyTests {
    static let board = ChannelID("00000000-0000-0000-0000-00000000b0a4")
    static let lobby = ChannelID("00000000-0000-0000-0000-000000001000")
    /// 2026-12-02 23:30 in Paris (22:30 UTC): inside 22:00–07:00 quiet hours there.
    static let lateInParis = Date(timeIntervalSince1970: 1_796_250_600)
    /// 2026-12-02 12:00 in Paris.
    static let noonInParis = Date(timeIntervalSince1970: 1_796_209_200)
    static let parisNights = try! QuietHours(start: ClockTime("22:00")!, end: ClockTime("07:00")!, timeZone: "Europe/Paris")

    static func preferences(
        _ choices: NotificationChoices = NotificationChoices(), mutes: [ChannelMute] = [], at instant: Date = noonInParis
    ) -> NotificationPreferences {
        NotificationPreferences.member(chamber: NotificationChoices(), member: choices, mutes: mutes, at: instant)
    }

    struct Row: Sendable, CustomTestStringConvertible {
        let name: String
        let intent: NotificationIntent
        let preferences: NotificationPreferences
        let connected: Bool
        let at: Date
        let expected: NotificationDecision
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(
            name: "a DM to someone offline: feed, push, and the daily digest", intent: .init(category: .directMessages, channelID: board),
            preferences: preferences(), connected: false, at: noonInParis, expected: .init(inApp: true, push: true, email: .inDigest)),
        Row(
            name: "connected: no push", intent: .init(category: .directMessages, channelID: board), preferences: preferences(),
            connected: true, at: noonInParis, expected: .init(inApp: true, push: false, email: .inDigest)),
        Row(
            name: "ordinary channel traffic notifies nobody by default", intent: .init(category: .channelMessages, channelID: lobby),
            preferences: preferences(), connected: false, at: noonInParis, expected: .nothing),
        Row(
            name: "level mentions lets through what names the member",
            intent: .init(category: .announcements, channelID: lobby, namesRecipient: true),
            preferences: preferences(.init(levels: [.announcements: [.push: .mentions, .inApp: .none, .email: .none]])), connected: false,
            at: noonInParis, expected: .init(inApp: false, push: true, email: nil)),
        Row(
            name: "level mentions stops what does not", intent: .init(category: .announcements, channelID: lobby),
            preferences: preferences(.init(levels: [.announcements: [.push: .mentions]])), connected: false, at: noonInParis,
            expected: .init(inApp: true, push: false, email: .inDigest)),
        Row(
            name: "a muted channel notifies on no delivery channel", intent: .init(category: .mentions, channelID: board, namesRecipient: true),
            preferences: preferences(mutes: [ChannelMute(channelID: board, until: noonInParis.addingTimeInterval(3600))]), connected: false,
            at: noonInParis, expected: .nothing),
        Row(
            name: "a mute that ended does not", intent: .init(category: .directMessages, channelID: board),
            preferences: preferences(mutes: [ChannelMute(channelID: board, until: noonInParis.addingTimeInterval(60))]), connected: false,
            at: noonInParis.addingTimeInterval(61), expected: .init(inApp: true, push: true, email: .inDigest)),
        Row(
            name: "a mute of another channel does not", intent: .init(category: .directMessages, channelID: board),
            preferences: preferences(mutes: [ChannelMute(channelID: lobby, until: nil)]), connected: false, at: noonInParis,
            expected: .init(inApp: true, push: true, email: .inDigest)),
        Row(
            name: "quiet hours hold the push; the feed still gets it", intent: .init(category: .directMessages, channelID: board),
            preferences: preferences(.init(quietHours: parisNights)), connected: false, at: lateInParis,
            expected: .init(inApp: true, push: false, email: .inDigest)),
        Row(
            name: "quiet hours delay an immediate e-mail to their end (07:00 Paris = 06:00 UTC)",
            intent: .init(category: .directMessages, channelID: board),
            preferences: preferences(.init(emailDigest: .immediate, quietHours: parisNights)), connected: false, at: lateInParis,
            expected: .init(inApp: true, push: false, email: .after(Date(timeIntervalSince1970: 1_796_277_600)))),
        Row(
            name: "an urgent announcement passes quiet hours", intent: .init(category: .announcements, channelID: lobby, urgent: true),
            preferences: preferences(.init(emailDigest: .immediate, quietHours: parisNights)), connected: false, at: lateInParis,
            expected: .init(inApp: true, push: true, email: .now)),
        Row(
            name: "but not a level of none", intent: .init(category: .announcements, channelID: lobby, urgent: true),
            preferences: preferences(.init(levels: [.announcements: [.push: .none]], quietHours: parisNights)), connected: false,
            at: lateInParis, expected: .init(inApp: true, push: false, email: .inDigest)),
        Row(
            name: "outside quiet hours an immediate e-mail goes now", intent: .init(category: .billing),
            preferences: preferences(.init(emailDigest: .immediate, quietHours: parisNights)), connected: true, at: noonInParis,
            expected: .init(inApp: true, push: false, email: .now)),
    ]

    @Test("decisions", arguments: rows)
    func decide(_ row: Row) {
        #expect(NotificationPolicy.decide(row.intent, for: row.preferences, connected: row.connected, at: row.at) == row.expected)
    }
}

@Suite("Notifications: quiet hours on the member's wall clock")
struct QuietHoursTests {
    static func instant(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    @Test(
        "inside or not",
        arguments: [
            // 22:00–07:00 in New York (UTC−5 in winter, UTC−4 in summer)
            ("22:00", "07:00", "America/New_York", "2026-12-03T03:00:00Z", true),  // 22:00 local: start is inside
            ("22:00", "07:00", "America/New_York", "2026-12-03T02:59:00Z", false),  // 21:59
            ("22:00", "07:00", "America/New_York", "2026-12-03T11:59:00Z", true),  // 06:59
            ("22:00", "07:00", "America/New_York", "2026-12-03T12:00:00Z", false),  // 07:00: end is outside
            ("22:00", "07:00", "America/New_York", "2026-07-03T02:30:00Z", true),  // 22:30 summer time
            ("22:00", "07:00", "America/New_York", "2026-07-03T01:30:00Z", false),  // 21:30 summer time
            // a span inside one day
            ("12:00", "13:30", "Asia/Kolkata", "2026-12-02T06:45:00Z", true),  // 12:15 IST
            ("12:00", "13:30", "Asia/Kolkata", "2026-12-02T08:00:00Z", false),  // 13:30
            ("12:00", "13:30", "UTC", "2026-12-02T11:59:59Z", false),
        ])
    func contains(_ start: String, _ end: String, _ zone: String, _ at: String, _ expected: Bool) throws {
        let hours = try QuietHours(start: #require(ClockTime(start)), end: #require(ClockTime(end)), timeZone: zone)
        #expect(hours.contains(Self.instant(at)) == expected)
    }

    @Test("the next end follows the clock across a change to summer time")
    func nextEnd() throws {
        let hours = try QuietHours(start: #require(ClockTime("23:00")), end: #require(ClockTime("07:00")), timeZone: "Europe/Paris")
        // The night of 28–29 March 2026: clocks go from 02:00 to 03:00; 07:00 is then UTC+2.
        #expect(hours.nextEnd(after: Self.instant("2026-03-28T23:00:00Z")) == Self.instant("2026-03-29T05:00:00Z"))
        #expect(hours.nextEnd(after: Self.instant("2026-12-02T23:00:00Z")) == Self.instant("2026-12-03T06:00:00Z"))
    }

    @Test("refused: equal ends, unknown zone, clock times that are not HH:MM")
    func refused() {
        #expect(ClockTime("7:00") == nil)
        #expect(ClockTime("24:00") == nil)
        #expect(ClockTime("12:60") == nil)
        #expect(ClockTime("+1:00") == nil)
        #expect(ClockTime("١٢:٠٠") == nil)
        #expect(ClockTime("23:59")?.description == "23:59")
        #expect(throws: ChamberError.self) { try QuietHours(start: ClockTime("08:00")!, end: ClockTime("08:00")!, timeZone: "UTC") }
        #expect(throws: ChamberError.self) { try QuietHours(start: ClockTime("08:00")!, end: ClockTime("09:00")!, timeZone: "Mars/Olympus") }
    }
}

@Suite("Notifications: choices in layers")
struct NotificationChoicesTests {
    @Test("a member's choices over the chamber's over the server's; custom names what the member chose")
    func layers() {
        let chamber = NotificationChoices(levels: [.events: [.email: .none]], preview: false)
        let member = NotificationChoices(levels: [.events: [.push: .mentions]], emailDigest: .hourly)
        let resolved = NotificationPreferences.member(chamber: chamber, member: member, mutes: [], at: Date())
        #expect(resolved.level(.events, on: .email) == .none)
        #expect(resolved.level(.events, on: .push) == .mentions)
        #expect(resolved.level(.events, on: .inApp) == .all)
        #expect(resolved.preview == false)
        #expect(resolved.emailDigest == .hourly)
        #expect(resolved.custom == ["categories.events.push", "email_digest"])
        #expect(NotificationPreferences.chamberDefaults(chamber).custom == ["categories.events.email", "preview"])
    }

    @Test("a patch sets, clears with null, and leaves what it does not name")
    func patch() {
        let start = NotificationChoices(
            levels: [.billing: [.push: NotificationLevel.none, .email: NotificationLevel.none]], preview: false, emailDigest: .daily)
        let clearPush: [DeliveryChannel: NotificationLevel?] = [.push: nil]
        let setInApp: [DeliveryChannel: NotificationLevel?] = [.inApp: .mentions]
        let patched = start.applying(NotificationChoicesPatch(levels: [.billing: clearPush, .events: setInApp], preview: .some(nil)))
        let expected: [NotificationCategory: [DeliveryChannel: NotificationLevel]] = [.billing: [.email: .none], .events: [.inApp: .mentions]]
        #expect(patched.levels == expected)
        #expect(patched.preview == nil)
        #expect(patched.emailDigest == .daily)
        let clearEmail: [DeliveryChannel: NotificationLevel?] = [.email: nil]
        let cleared = patched.applying(NotificationChoicesPatch(levels: [.billing: clearEmail]))
        #expect(cleared.levels[.billing] == nil, "a category with no choice left is gone")
    }

    @Test("stored and read back as JSON")
    func codable() throws {
        let choices = NotificationChoices(
            levels: [.mentions: [.push: .none]], preview: true, emailDigest: .immediate,
            quietHours: try QuietHours(start: ClockTime("22:00")!, end: ClockTime("06:30")!, timeZone: "Asia/Tokyo"))
        let json = try JSONEncoder().encode(choices)
        #expect(try JSONDecoder().decode(NotificationChoices.self, from: json) == choices)
        #expect(String(decoding: json, as: UTF8.self).contains("\"mentions\":{\"push\":\"none\"}"), "keys are the wire names")
    }
}
