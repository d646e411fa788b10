import Foundation
import NIOCore
import Synchronization

/// A node in the registry, for the admin API.
public struct ClusterNodeStatus: Sendable, Equatable {
    public let info: ClusterMessage.NodeInfo
    /// This node (the one answering).
    public let isSelf: Bool
    /// Milliseconds since its last heartbeat arrived (0 for this node).
    public let lastSeenMsAgo: Int
}

/// Cluster membership and the control plane: this node's heartbeats, the registry of the other nodes (who is alive,
/// as their messages tell), and the messages the nodes send each other on the broker's cluster topic.
///
/// It knows nothing of what the messages ask for; the hub acts on them (presence, disconnects, drains).
final class ClusterMembership: Sendable {
    /// This node's name in the cluster.
    let nodeID: String
    private let broker: any Broker
    private let nodeTimeout: Duration
    private let registry = Mutex(NodeRegistry())
    private static let encoder = JSONEncoder()
    private static let decoder = JSONDecoder()

    init(nodeID: String, broker: any Broker, nodeTimeout: Duration) {
        self.nodeID = nodeID
        self.broker = broker
        self.nodeTimeout = nodeTimeout
    }

    /// Sends a message to every other node.
    func send(_ message: ClusterMessage) {
        guard let data = try? Self.encoder.encode(message) else { return }
        broker.publish(BrokerMessage(topic: .cluster, seq: nil, frame: ByteBuffer(bytes: data)))
    }

    /// One heartbeat: tells the others this node is alive (as `info` describes it) and forgets the nodes that fell
    /// silent, returning them (their connections count as gone).
    func beat(_ info: ClusterMessage.NodeInfo, at now: ContinuousClock.Instant = .now) -> [String] {
        send(ClusterMessage(kind: .heartbeat, node: nodeID, info: info))
        return registry.withLock { $0.expire(at: now, timeout: nodeTimeout) }
    }

    /// A message from another node, recorded as a sign of life of its sender; nil for this node's own messages and
    /// for frames that are not cluster messages.
    func receive(_ frame: ByteBuffer, at now: ContinuousClock.Instant = .now) -> ClusterMessage? {
        guard let message = try? Self.decoder.decode(ClusterMessage.self, from: Data(frame.readableBytesView)), message.node != nodeID else {
            return nil
        }
        registry.withLock { nodes in
            if let info = message.info { nodes.heard(info, at: now) } else { nodes.touched(message.node, at: now) }
        }
        return message
    }

    /// Forgets a node that said it is leaving.
    func forget(_ node: String) {
        registry.withLock { $0.forget(node) }
    }

    /// Whether a node is in the registry (this one is not).
    func knows(_ node: String) -> Bool {
        registry.withLock { $0.contains(node) }
    }

    /// The other nodes, by id, with how long ago each was heard from.
    func others(at now: ContinuousClock.Instant = .now) -> [ClusterNodeStatus] {
        registry.withLock { $0.statuses(at: now) }
    }
}
