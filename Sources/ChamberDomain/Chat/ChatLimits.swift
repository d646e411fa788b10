/// Bounds on what a message may hold.
public struct ChatLimits: Sendable {
    public var maxBodyLength: Int
    public var maxAttachments: Int
    /// The most a message's structured `data` may take, encoded as JSON, and how deeply it may nest.
    public var maxDataBytes: Int
    public var maxDataDepth: Int
    public var maxClientMessageIDLength: Int
    /// A reconnecting client is sent at most this many missed events; beyond it, it must refetch history.
    public var maxRecoveryEvents: Int
    public var maxHistoryPage: Int

    public init(
        maxBodyLength: Int = 4000, maxAttachments: Int = 10, maxDataBytes: Int = 4096, maxDataDepth: Int = 8, maxClientMessageIDLength: Int = 64,
        maxRecoveryEvents: Int = 500, maxHistoryPage: Int = 100
    ) {
        self.maxBodyLength = maxBodyLength
        self.maxAttachments = maxAttachments
        self.maxDataBytes = maxDataBytes
        self.maxDataDepth = maxDataDepth
        self.maxClientMessageIDLength = maxClientMessageIDLength
        self.maxRecoveryEvents = maxRecoveryEvents
        self.maxHistoryPage = maxHistoryPage
    }
}
