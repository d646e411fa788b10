import Foundation
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
