import ChamberDomain
import Foundation
import Testing

@testable import ChamberRealtime

/// The rights a socket keeps, as a table of steps on a test clock: kept, forgotten per channel or whole, a read that
/// raced an announced change turned away, and rights past their lifetime dropped.
@Suite("Kept send rights")
struct KeptRightsTests {
    static let red = ChannelID.generate()
    static let blue = ChannelID.generate()
    static let start = ContinuousClock.now

    static func rights(_ channel: ChannelID) -> SendRights {
        SendRights(
            channel: Channel(
                id: channel, chamberID: ChamberID.generate(), kind: .group, name: "room", createdBy: UserID.generate(),
                createdAt: Date(timeIntervalSince1970: 0)),
            member: nil, sanctions: [])
    }

    enum Step {
        /// Keeps rights read `readBefore` forgets ago (0: read now, 1: before the last forget).
        case keep(ChannelID, readBefore: UInt64)
        case forget(ChannelID?)
        /// The clock moves on this many seconds.
        case wait(Int)
    }

    @Test(
        "what is kept after a series of steps",
        arguments: [
            ([.keep(red, readBefore: 0)], [red]),
            ([.keep(red, readBefore: 0), .keep(blue, readBefore: 0), .forget(red)], [blue]),
            ([.keep(red, readBefore: 0), .keep(blue, readBefore: 0), .forget(nil)], []),
            // Read, then a change was announced, then the read's rights came back: turned away.
            ([.forget(blue), .keep(red, readBefore: 1)], []),
            ([.forget(red), .keep(red, readBefore: 0), .keep(blue, readBefore: 0)], [red, blue]),
            // Kept for ten seconds without an announcement, then read again.
            ([.keep(red, readBefore: 0), .wait(9)], [red]),
            ([.keep(red, readBefore: 0), .wait(10)], []),
            ([.keep(red, readBefore: 0), .wait(6), .keep(blue, readBefore: 0), .wait(6)], [blue]),
        ] as [([Step], [ChannelID])])
    func steps(_ steps: [Step], _ kept: [ChannelID]) {
        var rights = KeptRights()
        var now = Self.start
        for step in steps {
            switch step {
            case .keep(let channel, let readBefore):
                rights.keep(Self.rights(channel), in: channel, readAt: rights.generation - readBefore, now: now)
            case .forget(let channel): rights.forget(channel)
            case .wait(let seconds): now += .seconds(seconds)
            }
        }
        #expect([Self.red, Self.blue].filter { rights.rights(in: $0, now: now) != nil } == kept)
        #expect(kept.allSatisfy { rights.rights(in: $0, now: now)?.channel.id == $0 }, "each channel keeps its own")
    }
}
