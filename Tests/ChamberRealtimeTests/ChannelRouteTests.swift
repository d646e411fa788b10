import ChamberDomain
import Foundation
import NIOCore
import NIOEmbedded
import Synchronization
import Testing

@testable import ChamberRealtime

/// A channel's route as a table: events in any order out, strictly in sequence, to every subscriber once; a
/// recovering subscriber waits for its replay; a gap is never silent. On an embedded event loop: no sockets, no
/// sleeps.
@Suite("Channel route")
struct ChannelRouteTests {
    /// A subscriber's socket: the frames written to it, as text.
    final class Sink: FrameSink, @unchecked Sendable {
        // Unchecked: an embedded loop runs on the test's thread.
        let eventLoop: any EventLoop
        var frames: [String] = []
        init(_ loop: EmbeddedEventLoop) { eventLoop = loop }
        var isWritable: Bool { true }
        func write(_ frame: ByteBuffer) { frames.append(String(buffer: frame)) }
        func flush() {}
        func abort() {}
    }

    struct Scene {
        let loop = EmbeddedEventLoop()
        var route = ChannelRoute(channelID: .generate(), metrics: HubMetrics())
        var sinks: [Sink] = []
        var connections: [ClientConnection] = []

        mutating func subscriber(live lastSent: Int64? = 0) -> Int {
            let sink = Sink(loop)
            let connection = ClientConnection(
                id: UInt64(connections.count + 1), chamberID: .generate(), userID: .generate(), sessionID: nil, sink: sink,
                outboundLimit: 1 << 20, metrics: HubMetrics())
            sinks.append(sink)
            connections.append(connection)
            route.addRecovering(connection)
            if let lastSent { route.goLive(connection.id, lastSent: lastSent) }
            return connections.count - 1
        }

        mutating func receive(_ seqs: [Int64]) {
            for seq in seqs { _ = route.receive(seq: seq, frame: ByteBuffer(string: "m\(seq)")) }
            loop.run()
        }

        func received(_ index: Int) -> [String] {
            loop.run()
            return sinks[index].frames.map { $0.hasPrefix("{") ? "gap" : $0 }
        }
    }

    @Test(
        "events arriving in any order are delivered in sequence, each once",
        arguments: [
            ([1, 2, 3], ["m1", "m2", "m3"]),
            ([2, 1, 3], ["m1", "m2", "m3"]),
            ([3, 2, 1, 2, 3], ["m1", "m2", "m3"]),
            ([1, 3], ["m1"]),
        ] as [([Int64], [String])])
    func ordering(_ arrivals: [Int64], _ expected: [String]) {
        var scene = Scene()
        _ = scene.route.establish(0)
        let reader = scene.subscriber()
        scene.receive(arrivals)
        #expect(scene.received(reader) == expected)
        #expect(scene.route.hasGap == (arrivals == [1, 3]))
    }

    @Test("a gap the store cannot fill is skipped, and the reader told to refetch rather than left with a silent gap")
    func skippedGap() {
        var scene = Scene()
        _ = scene.route.establish(0)
        let reader = scene.subscriber()
        scene.receive([1, 4, 5])
        #expect(scene.received(reader) == ["m1"])
        _ = scene.route.skipGap()
        #expect(scene.received(reader) == ["m1", "gap", "m4", "m5"])
        #expect(scene.sinks[reader].frames[1].contains("\"recovery_incomplete\"") && scene.sinks[reader].frames[1].contains("\"latest_seq\":3"))
    }

    @Test("a recovering subscriber gets live events only after its replay, none twice")
    func recovering() {
        var scene = Scene()
        _ = scene.route.establish(2)
        let early = scene.subscriber(live: 2)
        let late = scene.subscriber(live: nil)  // its replay of 1...3 is being sent
        scene.receive([3, 4])
        #expect(scene.received(early) == ["m3", "m4"])
        #expect(scene.received(late).isEmpty, "live events wait while the replay goes out")
        scene.route.goLive(scene.connections[late].id, lastSent: 3)
        #expect(scene.received(late) == ["m4"], "the replay covered 3: only 4 follows")
        scene.receive([5])
        #expect(scene.received(early) == ["m3", "m4", "m5"] && scene.received(late) == ["m4", "m5"])
    }

    @Test("events before the first subscriber established the position wait; older ones are dropped once it is known")
    func establishing() {
        var scene = Scene()
        let reader = scene.subscriber()
        scene.receive([4, 5])
        #expect(scene.received(reader).isEmpty && scene.route.delivered == nil)
        _ = scene.route.establish(4)
        #expect(scene.received(reader) == ["gap", "m5"], "4 was before the position: the subscriber (at 0) is told to refetch up to 4")
        #expect(scene.route.delivered == 5 && !scene.route.hasGap)
    }
}
