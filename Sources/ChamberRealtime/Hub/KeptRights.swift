import ChamberDomain

/// The send rights a socket keeps, per channel it is subscribed to (``SendRights``), so its next sends run no SQL
/// to decide whether they are allowed.
///
/// Kept only while subscribed, because a node hears a channel's announced changes only while it has subscribers
/// there. Forgetting raises a generation: rights read before the change was announced, and handed in after it,
/// carry the old generation and are not kept.
struct KeptRights {
    private var byChannel: [ChannelID: SendRights] = [:]
    /// Raised by every ``forget(_:)``; a read of rights starts by noting it.
    private(set) var generation: UInt64 = 0

    func rights(in channel: ChannelID) -> SendRights? { byChannel[channel] }

    /// Keeps `rights` unless something was forgotten since they were read (`readAt` is the generation then).
    mutating func keep(_ rights: SendRights, in channel: ChannelID, readAt: UInt64) {
        guard readAt == generation else { return }
        byChannel[channel] = rights
    }

    /// Forgets what is kept for `channel`, or for every channel when nil, and turns away reads in flight.
    mutating func forget(_ channel: ChannelID?) {
        generation &+= 1
        if let channel { byChannel[channel] = nil } else { byChannel.removeAll() }
    }
}
