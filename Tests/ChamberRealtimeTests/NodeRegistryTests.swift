import Foundation
import NIOCore
import Synchronization
import Testing

@testable import ChamberRealtime

/// Cluster membership as a table of instants: heartbeats, signs of life, expiry after the timeout, leaving.
@Suite("Node registry")
struct NodeRegistryTests {
    static func info(_ id: String, connections: Int = 3) -> ClusterMessage.NodeInfo {
        ClusterMessage.NodeInfo(
            id: id, address: "127.0.0.1:80", startedAt: Date(timeIntervalSince1970: 0), connections: connections, draining: false,
            presenceVersion: 1)
    }

    @Test("a node silent past the timeout expires; any message keeps it alive; a leaving node goes at once")
    func expiry() {
        let start = ContinuousClock.now
        var registry = NodeRegistry()
        registry.heard(Self.info("a"), at: start)
        registry.heard(Self.info("b"), at: start)
        registry.touched("c", at: start + .seconds(1))  // heard of only through a message: a placeholder entry
        #expect(registry.expire(at: start + .seconds(5), timeout: .seconds(5)).isEmpty, "exactly the timeout is not past it")
        registry.touched("a", at: start + .seconds(4))
        #expect(registry.expire(at: start + .milliseconds(5_001), timeout: .seconds(5)) == ["b"])
        #expect(registry.contains("a") && !registry.contains("b") && registry.contains("c"))
        #expect(registry.expire(at: start + .milliseconds(6_001), timeout: .seconds(5)) == ["c"])
        registry.forget("a")
        #expect(registry.nodes.isEmpty)
    }

    @Test("the admin view lists nodes by id with how long ago each was heard from; a heartbeat replaces a placeholder")
    func statuses() {
        let start = ContinuousClock.now
        var registry = NodeRegistry()
        registry.touched("b", at: start)
        registry.heard(Self.info("b", connections: 7), at: start + .milliseconds(200))
        registry.heard(Self.info("a"), at: start)
        let statuses = registry.statuses(at: start + .milliseconds(1_200))
        #expect(statuses.map(\.info.id) == ["a", "b"] && statuses.map(\.lastSeenMsAgo) == [1_200, 1_000])
        #expect(statuses[1].info.connections == 7 && statuses[1].info.address == "127.0.0.1:80")
    }
}

/// Two nodes' memberships on one in-process bus: heartbeats fill the registry, a node's own messages are not news,
/// silence expires a node, and the control plane's messages reach the other node whole.
@Suite("Cluster membership")
struct ClusterMembershipTests {
    /// Collects what a node hears on the bus.
    final class Heard: Sendable {
        let frames = Mutex<[ByteBuffer]>([])
    }

    static func node(_ id: String, on bus: InProcessBroker.Bus) -> (ClusterMembership, Heard) {
        let broker = InProcessBroker(bus: bus)
        let heard = Heard()
        broker.attach(BrokerHandlers(deliver: { message in heard.frames.withLock { $0.append(message.frame) } }, resync: { _ in }))
        return (ClusterMembership(nodeID: id, broker: broker, nodeTimeout: .seconds(5)), heard)
    }

    @Test("a heartbeat enters the other node's registry; silence past the timeout removes it")
    func heartbeats() throws {
        let bus = InProcessBroker.Bus()
        let (a, heardByA) = Self.node("a", on: bus)
        let (b, _) = Self.node("b", on: bus)
        let start = ContinuousClock.now
        #expect(a.beat(NodeRegistryTests.info("a"), at: start).isEmpty)
        let frames = heardByA.frames.withLock { $0 }
        #expect(frames.count == 1)
        #expect(a.receive(frames[0], at: start) == nil, "a node's own heartbeat is not news")
        let message = try #require(b.receive(frames[0], at: start))
        #expect(message.kind == .heartbeat && b.knows("a") && !b.knows("b"))
        #expect(b.others(at: start + .seconds(1)).map(\.lastSeenMsAgo) == [1_000])
        #expect(b.beat(NodeRegistryTests.info("b"), at: start + .milliseconds(5_001)) == ["a"])
        #expect(!b.knows("a"))
    }

    @Test("a control message reaches the other node whole, counts as a sign of life, and a leaving node is forgotten")
    func controlPlane() throws {
        let bus = InProcessBroker.Bus()
        let (a, heardByA) = Self.node("a", on: bus)
        let (b, _) = Self.node("b", on: bus)
        a.send(ClusterMessage(kind: .drain, node: "a", target: "b"))
        let frame = try #require(heardByA.frames.withLock { $0.first })
        #expect(b.receive(ByteBuffer(string: "not json")) == nil)
        let message = try #require(b.receive(frame))
        #expect(message.kind == .drain && message.target == "b" && b.knows("a"))
        b.forget("a")
        #expect(!b.knows("a") && b.others().isEmpty)
    }
}
