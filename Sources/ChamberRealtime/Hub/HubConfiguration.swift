/// Limits and timings of the hub, with their defaults.
public struct HubConfiguration: Sendable {
    /// Largest WebSocket frame accepted from a client.
    public var maxFrameBytes = 64 * 1024
    /// A connection whose queued outbound frames pass this many bytes is closed as a slow consumer.
    public var outboundQueueBytes = 1 << 20
    /// Inbound frames per second allowed per connection (a token bucket of `inboundBurst`).
    public var inboundFramesPerSecond = 20
    public var inboundBurst = 60
    /// Frames refused for rate in a row after which the connection is closed for flooding.
    public var floodCloseAfter = 200
    /// Time allowed for the `auth` frame when no token came with the upgrade.
    public var authTimeoutSeconds = 5
    /// Grace after the access token expires before the socket is closed (the client refreshes on the socket).
    public var tokenGraceSeconds = 30
    /// Server WebSocket ping period; a peer that does not answer is closed.
    public var pingIntervalSeconds = 30
    /// Typing indicators: at most one per user and channel per `typingThrottleMs`; clients hide them after `typingTtlMs`.
    public var typingThrottleMs = 2_000
    public var typingTtlMs = 5_000
    /// Presence changes are batched for this long.
    public var presenceFlushMs = 1_000
    /// Chambers with more online users than this get presence counts instead of per-user changes.
    public var presenceDetailLimit = 200
    /// Sockets closed per batch at shutdown, and the pause between batches.
    public var shutdownBatchSize = 500
    public var shutdownBatchPauseMs = 50

    /// This node's name in the cluster (unique per process).
    public var nodeID = "node-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
    /// Where clients reach this node (host:port), shown in the cluster's registry.
    public var nodeAddress = ""
    /// Nodes send a heartbeat this often; one silent for `nodeTimeoutMs` counts as dead (its users go offline).
    public var heartbeatIntervalMs = 1_000
    public var nodeTimeoutMs = 5_000

    public init() {}
}
