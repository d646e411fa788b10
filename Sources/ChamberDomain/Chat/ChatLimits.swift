/// Bounds on what a message may hold.
public struct ChatLimits: Sendable {
    public var maxBodyLength: Int
    public var maxAttachments: Int
    public var maxClientMessageIDLength: Int
    /// A reconnecting client is sent at most this many missed events; beyond it, it must refetch history.
    public var maxRecoveryEvents: Int
    public var maxHistoryPage: Int

    public init(maxBodyLength: Int = 4000, maxAttachments: Int = 10, maxClientMessageIDLength: Int = 64,
                maxRecoveryEvents: Int = 500, maxHistoryPage: Int = 100) {
        self.maxBodyLength = maxBodyLength
        self.maxAttachments = maxAttachments
        self.maxClientMessageIDLength = maxClientMessageIDLength
        self.maxRecoveryEvents = maxRecoveryEvents
        self.maxHistoryPage = maxHistoryPage
    }
}
