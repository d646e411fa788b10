import ChamberDomain
import Foundation
import Testing

/// How a fan-out pass's channels are split into transactions: a budget of notifications each, a channel never split.
@Suite("Notifications: a pass recorded a few channels at a time")
struct FanoutTransactionTests {
    /// A channel's pass with `additions` notifications (none: only its cursor moves).
    static func pass(_ additions: Int) -> ChannelPass {
        let channel = ChannelID.generate()
        let message = Message(
            id: .generate(), chamberID: .generate(), channelID: channel, seq: 1, senderID: .generate(), clientMessageID: "c", body: "hi",
            replyTo: nil, mentions: [], attachments: [], createdAt: Date(timeIntervalSince1970: 0))
        return ChannelPass(
            channelID: channel, from: 0, to: 1,
            additions: (0..<additions).map { _ in
                FeedAddition(userID: .generate(), category: .directMessages, channelID: channel, newest: message, title: "t", count: 1)
            })
    }

    @Test(
        "groups by the budget, in order",
        arguments: [
            ([Int](), [Int]()),
            ([1], [1]),
            (Array(repeating: 1, count: 64), [64]),
            (Array(repeating: 1, count: 65), [64, 1]),
            (Array(repeating: 2, count: 70), [32, 32, 6]),
            ([0, 0, 0], [3]),
            ([63, 1, 1], [2, 1]),
            ([1_000, 1, 1], [1, 2]),
            ([1, 1_000, 1], [1, 1, 1]),
            ([64, 1], [1, 1]),
            ([1_000, 0], [1, 1]),
        ])
    func groups(_ additions: [Int], _ channelsPerGroup: [Int]) {
        let passes = additions.map(Self.pass)
        let groups = NotificationFanout.transactions(of: passes, budget: 64)
        #expect(groups.map(\.count) == channelsPerGroup)
        #expect(groups.flatMap { $0.map(\.channelID) } == passes.map(\.channelID), "every channel once, in order")
    }

    @Test("a budget of 3: two channels of one, then one of two and one alone of five")
    func smallBudget() {
        let groups = NotificationFanout.transactions(of: [1, 1, 2, 5].map(Self.pass), budget: 3)
        #expect(groups.map { $0.map(\.additions.count) } == [[1, 1], [2], [5]])
    }
}
