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
    }

    public let topic: Topic
    /// For the channel stream: the event's sequence number, so every node delivers in order and sees gaps.
    public let seq: Int64?
    /// The frame, encoded once, shared by every recipient on every node.
    public let frame: ByteBuffer

    public init(topic: Topic, seq: Int64?, frame: ByteBuffer) {
        self.topic = topic
        self.seq = seq
        self.frame = frame
    }
}

/// Fan-out between the nodes of a cluster.
///
/// The contract every implementation keeps:
/// - **Everywhere**: a published message is delivered to every node that is running, this one included, once
///   (at most once: a node that is unreachable when a message is published does not get it later).
/// - **Order**: messages of one topic published from one node arrive at every node in the order published.
///   Channel events from several nodes may interleave out of order; they carry their sequence number and the
///   hub puts them back in order, filling any gap from the store.
/// - **Durability is not the broker's job**: channel events are stored before they are published, so a message the
///   broker loses is recovered from the store (by the hub's gap repair, or by the client's recovery on reconnect).
public protocol Broker: Sendable {
    /// Hands every message published on any node to `deliver`, until the broker stops.
    func attach(_ deliver: @escaping @Sendable (BrokerMessage) -> Void)
    /// Publishes a message to every node.
    func publish(_ message: BrokerMessage)
}
