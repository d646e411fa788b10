import Synchronization

/// The broker of a single node: publishing delivers at once, in the caller's order. The embedded default.
public final class InProcessBroker: Broker {
    private let deliver = Mutex<(@Sendable (BrokerMessage) -> Void)?>(nil)

    public init() {}

    public func attach(_ deliver: @escaping @Sendable (BrokerMessage) -> Void) {
        self.deliver.withLock { $0 = deliver }
    }

    public func publish(_ message: BrokerMessage) {
        deliver.withLock { $0 }?(message)
    }
}
