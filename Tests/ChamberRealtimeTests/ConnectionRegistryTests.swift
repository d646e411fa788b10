import ChamberDomain
import NIOCore
import NIOEmbedded
import Synchronization
import Testing

@testable import ChamberRealtime

/// The registry of a node's connections: lookups, and interest told on a user's or chamber's first and last one.
@Suite("Connection registry")
struct ConnectionRegistryTests {
    final class NullSink: FrameSink, @unchecked Sendable {
        let eventLoop: any EventLoop = EmbeddedEventLoop()
        var isWritable: Bool { true }
        func write(_ frame: ByteBuffer) {}
        func flush() {}
        func abort() {}
    }

    static func connection(_ id: UInt64, _ chamber: ChamberID, _ user: UserID) -> ClientConnection {
        ClientConnection(id: id, chamberID: chamber, userID: user, sessionID: nil, sink: NullSink(), outboundLimit: 1 << 20, metrics: HubMetrics())
    }

    @Test("interest starts with the first connection of a user and of a chamber and stops with the last, in order")
    func interest() {
        let told = Mutex<[String]>([])
        let registry = ConnectionRegistry { topic, interested in
            told.withLock { $0.append("\(interested ? "+" : "-")\(topic)") }
        }
        let chamber = ChamberID.generate()
        let (ada, bob) = (UserID.generate(), UserID.generate())
        let adaPhone = Self.connection(1, chamber, ada), adaLaptop = Self.connection(2, chamber, ada), bobPhone = Self.connection(3, chamber, bob)
        #expect(registry.add(adaPhone) == 1 && registry.add(adaLaptop) == 2 && registry.add(bobPhone) == 3)
        #expect(Set(registry.connections(ofUser: ada, in: chamber).map(\.id)) == [1, 2])
        #expect(registry.connections(in: chamber).count == 3 && registry.connections(in: .generate()).isEmpty)
        #expect(registry.remove(adaPhone) == 2)
        #expect(registry.remove(adaPhone) == nil, "removing twice changes nothing")
        #expect(registry.remove(adaLaptop) == 1 && registry.remove(bobPhone) == 0)
        #expect(
            told.withLock { $0 } == [
                "+\(BrokerMessage.Topic.user(chamber, ada))", "+\(BrokerMessage.Topic.chamber(chamber))",
                "+\(BrokerMessage.Topic.user(chamber, bob))",
                "-\(BrokerMessage.Topic.user(chamber, ada))", "-\(BrokerMessage.Topic.user(chamber, bob))",
                "-\(BrokerMessage.Topic.chamber(chamber))",
            ])
        #expect(registry.count == 0 && registry.all.isEmpty)
    }
}
