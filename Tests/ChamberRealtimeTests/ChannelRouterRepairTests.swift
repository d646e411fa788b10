import ChamberDomain
import NIOCore
import NIOEmbedded
import Synchronization
import Testing

@testable import ChamberRealtime

/// A gap's repair as a table: the router asks once for every hole up to the newest waiting event, one read of the
/// store fills them all, and what the store lacks too is skipped with the readers told. On an embedded loop.
@Suite("Channel router: gap repair")
struct ChannelRouterRepairTests {
    @Test(
        "one repair covers every hole up to the newest waiting event; what the store lacks is skipped, each hole alone",
        arguments: [
            // (events that arrived, what the store has of the missing ones, what the subscriber gets)
            ([2, 4, 6], [1, 3, 5], ["m1", "m2", "m3", "m4", "m5", "m6"]),
            ([2, 4, 6], [1, 5], ["m1", "m2", "gap", "m4", "m5", "m6"]),
            ([3, 6], [], ["gap", "m3", "gap", "m6"]),
            ([5], [1, 2, 3, 4], ["m1", "m2", "m3", "m4", "m5"]),
        ] as [([Int64], [Int64], [String])])
    func repair(_ arrived: [Int64], _ stored: [Int64], _ expected: [String]) {
        let gaps = Mutex<[ChannelID]>([])
        let router = ChannelRouter(metrics: HubMetrics(), interest: { _, _ in }, gapFound: { _, channel in gaps.withLock { $0.append(channel) } })
        let loop = EmbeddedEventLoop()
        let sink = ChannelRouteTests.Sink(loop)
        let chamber = ChamberID.generate()
        let channel = ChannelID.generate()
        let connection = ClientConnection(
            id: 1, chamberID: chamber, userID: .generate(), sessionID: nil, sink: sink, outboundLimit: 1 << 20, metrics: HubMetrics())
        router.begin(connection, to: channel)
        _ = router.complete(connection, to: channel, lastSent: 0, channelSeq: 0, confirmation: ByteBuffer(string: "subscribed"))
        for seq in arrived { _ = router.deliver(ByteBuffer(string: "m\(seq)"), seq: seq, chamber: chamber, channel: channel) }
        #expect(gaps.withLock { $0 } == [channel], "reported once, however many holes")
        let missing = router.missing(in: channel)
        #expect(missing?.after == 0 && missing?.upTo == arrived.max()! - 1, "every hole at once")
        let frames = stored.map { (seq: $0, frame: ByteBuffer(string: "m\($0)")) }
        _ = router.fill(channel, chamber: chamber, with: frames, upTo: missing?.upTo ?? 0)
        loop.run()
        #expect(sink.frames.dropFirst().map { $0.hasPrefix("{") ? "gap" : $0 } == expected)
        #expect(router.missing(in: channel) == nil, "nothing left to repair")
        #expect(gaps.withLock { $0.count } == 1, "no repair asked again")
    }
}
