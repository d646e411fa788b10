import ChamberDomain
import NIOCore

/// A message between nodes: an encoded server frame and the audience it is for.
public struct BrokerMessage: Sendable {
    /// Who receives a message.
    public enum Topic: Sendable, Hashable {
        /// Subscribers of a channel.
        case channel(ChamberID, ChannelID)
        /// Every connection of one user in a chamber (their devices).
        case user(ChamberID, UserID)
        /// Every connection in a chamber.
        case chamber(ChamberID)
        /// The nodes themselves: heartbeats, presence, control commands (``ClusterMessage``). Every node listens.
        case cluster
    }

    public let topic: Topic
    /// For the channel stream: the event's sequence number, so every node delivers in order and sees gaps.
    public let seq: Int64?
    /// The frame, encoded once, shared by every recipient on every node.
    public let frame: ByteBuffer
    /// The frame announces a change of someone's rights in a channel (the channel itself, its members, a sanction):
    /// every node that receives it forgets the rights its sockets keep for the sends of its audience. Never dropped
    /// for being stale, as typing and presence frames may be.
    public let changesAccess: Bool

    public init(topic: Topic, seq: Int64?, frame: ByteBuffer, changesAccess: Bool = false) {
        self.topic = topic
        self.seq = seq
        self.frame = frame
        self.changesAccess = changesAccess
    }
}

/// What a node hands its broker: where messages go, and what to do after messages may have been missed.
public struct BrokerHandlers: Sendable {
    /// Called with every message published on any node (this one included), on a thread of the broker's.
    public var deliver: @Sendable (BrokerMessage) -> Void
    /// Called when `topics` (now) flow from every node but messages of them may have been missed before: after an
    /// upstream subscription is confirmed, after a reconnect, or when another node could not publish for a while.
    /// Channel streams catch up from the store; the cluster topic asks the other nodes for their state.
    public var resync: @Sendable ([BrokerMessage.Topic]) -> Void

    public init(deliver: @escaping @Sendable (BrokerMessage) -> Void, resync: @escaping @Sendable ([BrokerMessage.Topic]) -> Void = { _ in }) {
        self.deliver = deliver
        self.resync = resync
    }
}

/// Whether a broker reaches the other nodes.
public enum BrokerHealth: Sendable, Equatable {
    case ok
    /// Local traffic still flows; messages to and from other nodes wait or are recovered later. The reason says why.
    case degraded(String)
}

/// Fan-out between the nodes of a cluster.
///
/// The contract every implementation keeps:
/// - **Everywhere**: a published message is delivered to every node that listens to its topic, this one included
///   (at once, in the caller's order), normally once. A message may arrive twice after a reconnect: channel events
///   carry their sequence and the hub drops what it has; every other message is idempotent.
/// - **Order**: messages of one topic published from one node arrive at every node in the order published.
///   Channel events from several nodes may interleave out of order; they carry their sequence number and the
///   hub puts them back in order, filling any gap from the store.
/// - **Interest**: a node receives a topic's messages from other nodes while it listens to it (``listen(_:_:)``),
///   and ``Topic/cluster`` always.
/// - **Durability is not the broker's job**: channel events are stored before they are published, so a message the
///   broker loses is recovered from the store (after ``BrokerHandlers/resync``, by the hub's gap repair, or by the
///   client's recovery on reconnect).
public protocol Broker: Sendable {
    /// Starts delivering to `handlers`.
    func attach(_ handlers: BrokerHandlers)
    /// Publishes a message to every node.
    func publish(_ message: BrokerMessage)
    /// The node has local audience for `topic` (`true`) or no longer has (`false`). Called on every change of
    /// state, not per subscriber: the hub counts its subscribers.
    func listen(_ topic: BrokerMessage.Topic, _ listening: Bool)
    /// Whether the other nodes are reachable.
    var health: BrokerHealth { get }
    /// What it is, for operators (`in-process`, `redis`).
    var kind: String { get }
    /// Stops delivering and closes connections; publishing afterwards does nothing.
    func shutdown()
}
