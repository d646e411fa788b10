import Foundation

/// A node of the cluster as this node last heard of it.
struct NodeRecord: Sendable {
    var info: ClusterMessage.NodeInfo
    var lastSeen: ContinuousClock.Instant
}

/// The other nodes of the cluster, as their heartbeats and messages tell of them: cluster membership as a value.
/// Every change takes the instant it happened at, so expiry is a table of instants in tests, with no waiting.
struct NodeRegistry: Sendable {
    private(set) var nodes: [String: NodeRecord] = [:]

    /// A heartbeat: the node's registry entry, as it describes itself.
    mutating func heard(_ info: ClusterMessage.NodeInfo, at now: ContinuousClock.Instant) {
        nodes[info.id] = NodeRecord(info: info, lastSeen: now)
    }

    /// Any message from a node counts as a sign of life. A node not heard of yet gets a placeholder entry until its
    /// heartbeat fills it in, so that it too expires if it falls silent.
    mutating func touched(_ node: String, at now: ContinuousClock.Instant) {
        if nodes[node] == nil {
            let placeholder = ClusterMessage.NodeInfo(id: node, address: "", startedAt: Date(), connections: 0, draining: false, presenceVersion: 0)
            nodes[node] = NodeRecord(info: placeholder, lastSeen: now)
        } else {
            nodes[node]!.lastSeen = now
        }
    }

    /// Removes the nodes silent for longer than `timeout`; returns their ids (their users count as gone).
    mutating func expire(at now: ContinuousClock.Instant, timeout: Duration) -> [String] {
        let silent = nodes.filter { now - $0.value.lastSeen > timeout }.map(\.key).sorted()
        for id in silent { nodes[id] = nil }
        return silent
    }

    /// Forgets a node that said it is leaving.
    mutating func forget(_ node: String) {
        nodes[node] = nil
    }

    func contains(_ node: String) -> Bool { nodes[node] != nil }

    /// The nodes for the admin API, by id, with how long ago each was heard from.
    func statuses(at now: ContinuousClock.Instant) -> [ClusterNodeStatus] {
        nodes.values.sorted { $0.info.id < $1.info.id }.map { record in
            let silence = (now - record.lastSeen).components
            return ClusterNodeStatus(
                info: record.info, isSelf: false,
                lastSeenMsAgo: Int(silence.seconds * 1000 + silence.attoseconds / 1_000_000_000_000_000))
        }
    }
}
