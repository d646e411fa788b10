import Synchronization

/// The broker of nodes in one process: publishing delivers at once, in the caller's order, to every node attached
/// to the same ``Bus``. The embedded default is one node on a bus of its own; tests put several hubs on one bus to
/// run the cluster's conformance suite without Redis.
public final class InProcessBroker: Broker {
    /// The nodes that hear each other.
    public final class Bus: Sendable {
        fileprivate let nodes = Mutex<[ObjectIdentifier: Node]>([:])
        public init() {}
    }

    /// The closure sits in a struct: a bare function type inside the generic `Mutex` is reabstracted on every
    /// `withLock`, and the thunks nest, so each publish went one call deeper than the last.
    fileprivate struct Node {
        let handlers: BrokerHandlers
    }

    private let bus: Bus

    public init(bus: Bus = Bus()) {
        self.bus = bus
    }

    public func attach(_ handlers: BrokerHandlers) {
        bus.nodes.withLock { $0[ObjectIdentifier(self)] = Node(handlers: handlers) }
    }

    public func publish(_ message: BrokerMessage) {
        let nodes = bus.nodes.withLock { $0 }
        let id = ObjectIdentifier(self)
        guard let own = nodes[id] else { return }
        // This node first: a node sees its own messages at once, as over Redis.
        own.handlers.deliver(message)
        guard nodes.count > 1 else { return }
        for (key, node) in nodes where key != id { node.handlers.deliver(message) }
    }

    /// Every node on the bus hears every topic.
    public func listen(_ topic: BrokerMessage.Topic, _ listening: Bool) {}

    public var health: BrokerHealth { .ok }

    public var kind: String { "in-process" }

    /// Leaves the bus (a node that stops: the others stop hearing its heartbeats).
    public func shutdown() {
        _ = bus.nodes.withLock { $0.removeValue(forKey: ObjectIdentifier(self)) }
    }
}
