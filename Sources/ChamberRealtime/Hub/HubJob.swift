import ChamberDomain

/// Background work the hub asks for while it handles traffic. ``Hub/run()`` runs each as a child task of one task
/// group, so no work outlives the hub's service and every wait goes through the hub's clock.
enum HubJob: Sendable {
    /// Events wait behind a missing one: fetch it from the store if it has not arrived shortly.
    case repairGap(ChamberID, ChannelID)
    /// A channel stream may have missed live messages (subscribed upstream just now, or after a broker reconnect).
    case catchUp(ChamberID, ChannelID, attempt: Int)
    /// Presence changes are pending: send them after the flush period, batched.
    case flushPresence
    /// The cluster asked this node to drain.
    case drain
}
