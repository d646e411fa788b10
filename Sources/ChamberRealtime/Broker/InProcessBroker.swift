import Synchronization

/// The broker of a single node: publishing delivers at once, in the caller's order. The embedded default.
public final class InProcessBroker: Broker {
    /// The closure sits in a struct: a bare function type inside the generic `Mutex` is reabstracted on every
    /// `withLock`, and the thunks nest, so each publish went one call deeper than the last.
    private struct Subscriber {
        let deliver: @Sendable (BrokerMessage) -> Void
    }

    private let subscriber = Mutex<Subscriber?>(nil)

    public init() {}

    public func attach(_ deliver: @escaping @Sendable (BrokerMessage) -> Void) {
        subscriber.withLock { $0 = Subscriber(deliver: deliver) }
    }

    public func publish(_ message: BrokerMessage) {
        subscriber.withLock { $0 }?.deliver(message)
    }
}
