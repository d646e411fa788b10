import Foundation
import Synchronization

/// Flood control: at most `limit` messages per member per channel within a sliding `window`.
///
/// State lives in this node's memory (a member's sockets are on one node, and a REST burst spread over nodes is
/// bounded by each node's gate). Checking is a lock and a few comparisons, so a flooding member costs others nothing.
public final class FloodGate: Sendable {
    public let limit: Int
    public let window: TimeInterval
    private let table = Mutex(Table())

    private struct Key: Hashable {
        let channel: ChannelID
        let user: UserID
    }

    /// Members' recent sends, and when the quiet ones are next forgotten.
    private struct Table {
        var sends: [Key: [Date]] = [:]
        var forgetAbove = FloodGate.smallestForgetting
        var lastForgotten = Date.distantPast
    }

    /// Below this many members and channels, none is forgotten.
    static let smallestForgetting = 10_000

    public init(limit: Int, window: TimeInterval) {
        self.limit = limit
        self.window = window
    }

    /// Counts a send at `date`; nil when it may go, or the seconds until it may when the member is over the limit
    /// (a refused send does not count).
    public func admit(_ user: UserID, in channel: ChannelID, at date: Date) -> Int? {
        let key = Key(channel: channel, user: user)
        return table.withLock { table in
            if let wait = admit(&table.sends[key, default: []], at: date) { return wait }
            // Forget quiet members now and then, so the table holds mostly the recently active: when it has doubled
            // since the last time, or a window has passed since then. Not after every send past the bound: with more
            // active members than that, each send would walk the whole table.
            let past = table.sends.count > Self.smallestForgetting
            if table.sends.count > table.forgetAbove || (past && date.timeIntervalSince(table.lastForgotten) >= window) {
                table.sends = table.sends.filter { date.timeIntervalSince($0.value.last ?? .distantPast) < window }
                table.forgetAbove = max(Self.smallestForgetting, 2 * table.sends.count)
                table.lastForgotten = date
            }
            return nil
        }
    }

    /// How many members and channels are remembered, and the size past which the quiet ones are next forgotten.
    var remembered: (count: Int, forgetAbove: Int) {
        table.withLock { ($0.sends.count, $0.forgetAbove) }
    }

    /// One member's sends in a channel, oldest first: what left the window is dropped in place.
    private func admit(_ times: inout [Date], at date: Date) -> Int? {
        times.removeFirst(times.prefix { date.timeIntervalSince($0) >= window }.count)
        guard times.count < limit else { return max(1, Int((window - date.timeIntervalSince(times[0])).rounded(.up))) }
        times.append(date)
        return nil
    }
}
