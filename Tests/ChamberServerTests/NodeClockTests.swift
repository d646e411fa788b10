import Foundation
import Synchronization
import Testing

@testable import ChamberServer

/// A node's time is the database's, carried forward by the monotonic clock: what the host's wall clock does between
/// readings does not move it, and slow readings are not trusted.
@Suite("The node's clock")
struct NodeClockTests {
    /// Hand-driven monotonic and wall clocks.
    final class Clocks: Sendable {
        let monotonic = Mutex(Duration.seconds(1_000))
        let wall = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        func advance(_ duration: Duration) {
            monotonic.withLock { $0 += duration }
            wall.withLock { $0 = $0.addingTimeInterval(Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18) }
        }
        func clock() -> NodeClock {
            NodeClock(monotonic: { self.monotonic.withLock { $0 } }, wall: { self.wall.withLock { $0 } })
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        /// How far the host's wall clock runs ahead of the database's.
        let hostAhead: TimeInterval
        /// How long the reading takes.
        let roundTrip: Duration
        /// What the host's wall clock does after the reading (an NTP step, a hand-set clock).
        let stepAfterReading: TimeInterval
        let kept: Bool
        var testDescription: String { "host \(hostAhead) s ahead, reading in \(roundTrip), then stepped \(stepAfterReading) s" }
    }

    static let database = Date(timeIntervalSince1970: 1_800_000_000)

    @Test(
        "after a reading, the node's time is the database's plus the monotonic time since",
        arguments: [
            Case(hostAhead: 0, roundTrip: .zero, stepAfterReading: 0, kept: true),
            Case(hostAhead: 60, roundTrip: .zero, stepAfterReading: 0, kept: true),
            Case(hostAhead: -3_600, roundTrip: .milliseconds(200), stepAfterReading: 0, kept: true),
            Case(hostAhead: 0, roundTrip: .milliseconds(10), stepAfterReading: 60, kept: true),
            Case(hostAhead: 60, roundTrip: .milliseconds(10), stepAfterReading: -120, kept: true),
            Case(hostAhead: 60, roundTrip: .seconds(2), stepAfterReading: 0, kept: false),
        ])
    func anchored(_ example: Case) async throws {
        let clocks = Clocks()
        clocks.wall.withLock { $0 = Self.database.addingTimeInterval(example.hostAhead) }
        let clock = clocks.clock()
        // The database answers halfway through the round trip, with its own time then.
        let kept = try await clock.synchronize {
            clocks.advance(example.roundTrip / 2)
            let answer = Self.database.addingTimeInterval(
                Double(example.roundTrip.components.attoseconds) / 2e18
                    + Double(example.roundTrip.components.seconds) / 2)
            clocks.advance(example.roundTrip / 2)
            return answer
        }
        #expect(kept == example.kept)
        clocks.wall.withLock { $0 = $0.addingTimeInterval(example.stepAfterReading) }
        clocks.advance(.seconds(5))
        let sinceStart = 5 + Double(example.roundTrip.components.seconds) + Double(example.roundTrip.components.attoseconds) / 1e18
        if example.kept {
            #expect(abs(clock.now().timeIntervalSince(Self.database) - sinceStart) < 0.001)
            #expect(abs(clock.offset - example.hostAhead) < 0.001)
        } else {
            // The reading was dropped: the host's clock (where the node started) still stands in.
            #expect(abs(clock.now().timeIntervalSince(Self.database) - (example.hostAhead + sinceStart)) < 0.001)
            #expect(clock.offset == 0)
        }
    }

    @Test("a later reading takes over from an earlier one, and a failed reading changes nothing")
    func readingsFollowTheDatabase() async throws {
        let clocks = Clocks()
        let clock = clocks.clock()
        try await clock.synchronize { Self.database }
        clocks.advance(.seconds(60))
        // The database's own clock was corrected by two seconds meanwhile.
        try await clock.synchronize { Self.database.addingTimeInterval(62) }
        #expect(abs(clock.now().timeIntervalSince(Self.database) - 62) < 0.001)
        struct Unreachable: Error {}
        await #expect(throws: Unreachable.self) { try await clock.synchronize { throw Unreachable() } }
        clocks.advance(.seconds(1))
        #expect(abs(clock.now().timeIntervalSince(Self.database) - 63) < 0.001)
    }
}
