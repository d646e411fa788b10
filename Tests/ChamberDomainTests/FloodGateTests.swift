import Foundation
import Testing

@testable import ChamberDomain

/// Flood control counted on a test clock: the sliding window, and how the table of recent senders stays small
/// without walking it on every send.
@Suite("Flood control")
struct FloodGateTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    static let channel = ChannelID("board")

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        /// Seconds after the start at which the member sends.
        let sends: [TimeInterval]
        /// nil: admitted; else the seconds the member is told to wait.
        let answers: [Int?]
        var testDescription: String { name }
    }

    static let cases = [
        Case(name: "under the limit", sends: [0, 1, 2], answers: [nil, nil, nil]),
        Case(name: "the fourth in the window waits for the first to leave it", sends: [0, 1, 2, 3], answers: [nil, nil, nil, 7]),
        Case(name: "a refused send does not count", sends: [0, 0, 0, 9.5, 9.9, 10], answers: [nil, nil, nil, 1, 1, nil]),
        Case(name: "the window slides", sends: [0, 5, 6, 10, 14.9, 15], answers: [nil, nil, nil, nil, 1, nil]),
        Case(name: "a wait is rounded up to whole seconds", sends: [0, 0.5, 1, 1.2], answers: [nil, nil, nil, 9]),
    ]

    @Test("three sends per ten seconds", arguments: cases)
    func window(_ example: Case) {
        let gate = FloodGate(limit: 3, window: 10)
        let answers = example.sends.map { gate.admit(UserID("ada"), in: Self.channel, at: Self.start.addingTimeInterval($0)) }
        #expect(answers == example.answers)
    }

    @Test("members are counted apart, and channels too")
    func apart() {
        let gate = FloodGate(limit: 1, window: 10)
        #expect(gate.admit(UserID("ada"), in: Self.channel, at: Self.start) == nil)
        #expect(gate.admit(UserID("bob"), in: Self.channel, at: Self.start) == nil)
        #expect(gate.admit(UserID("ada"), in: ChannelID("lobby"), at: Self.start) == nil)
        #expect(gate.admit(UserID("ada"), in: Self.channel, at: Self.start) == 10)
    }

    @Test("quiet members are forgotten once the table passes its bound; the active stay, and are counted on")
    func forgetsTheQuiet() {
        let gate = FloodGate(limit: 2, window: 10)
        let bound = FloodGate.smallestForgetting
        for index in 0..<(bound - 1) { _ = gate.admit(UserID("quiet-\(index)"), in: Self.channel, at: Self.start) }
        _ = gate.admit(UserID("active"), in: Self.channel, at: Self.start.addingTimeInterval(5))
        #expect(gate.remembered == (count: bound, forgetAbove: bound))
        // Past the window of the quiet ones: the next new sender takes the table past its bound.
        _ = gate.admit(UserID("newcomer"), in: Self.channel, at: Self.start.addingTimeInterval(11))
        #expect(gate.remembered == (count: 2, forgetAbove: bound))
        // The active member's earlier send still counts.
        #expect(gate.admit(UserID("active"), in: Self.channel, at: Self.start.addingTimeInterval(12)) == nil)
        #expect(gate.admit(UserID("active"), in: Self.channel, at: Self.start.addingTimeInterval(13)) == 2)
    }

    @Test("with more active members than the bound, the table is walked again once it has doubled, or a window later")
    func manyActive() {
        let gate = FloodGate(limit: 5, window: 10)
        let bound = FloodGate.smallestForgetting
        let admit = { (index: Int, second: TimeInterval) in
            _ = gate.admit(UserID("member-\(index)"), in: Self.channel, at: Self.start.addingTimeInterval(second))
        }
        // Every one of them sends within the window: none can be forgotten.
        for index in 0...(bound + 1) { admit(index, 0) }
        #expect(gate.remembered == (count: bound + 2, forgetAbove: 2 * (bound + 1)))
        for index in (bound + 2)...(2 * bound + 2) { admit(index, 1) }
        #expect(gate.remembered == (count: 2 * bound + 3, forgetAbove: 2 * (2 * bound + 3)))
        // Two more, later; then a window after the last walk (at second 1), the next send walks again: all but
        // these two have been quiet for a window, and are forgotten.
        _ = gate.admit(UserID("steady"), in: Self.channel, at: Self.start.addingTimeInterval(5))
        _ = gate.admit(UserID("late"), in: Self.channel, at: Self.start.addingTimeInterval(5))
        #expect(gate.remembered.count == 2 * bound + 5)
        _ = gate.admit(UserID("late"), in: Self.channel, at: Self.start.addingTimeInterval(11))
        #expect(gate.remembered == (count: 2, forgetAbove: bound))
    }

    @Test("after a peak, quiet members are still forgotten once a window has passed")
    func afterAPeak() {
        let gate = FloodGate(limit: 5, window: 10)
        let bound = FloodGate.smallestForgetting
        for index in 0...(bound + 1) { _ = gate.admit(UserID("member-\(index)"), in: Self.channel, at: Self.start) }
        #expect(gate.remembered.forgetAbove == 2 * (bound + 1))
        // Much later, one member: the table walks though it is far from doubled.
        _ = gate.admit(UserID("late"), in: Self.channel, at: Self.start.addingTimeInterval(60))
        #expect(gate.remembered == (count: 1, forgetAbove: bound))
    }
}
