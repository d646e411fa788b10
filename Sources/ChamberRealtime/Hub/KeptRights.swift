import ChamberDomain

/// The send rights a socket keeps, per channel it is subscribed to (``SendRights``), so its next sends run no SQL
/// to decide whether they are allowed.
///
/// Kept only while subscribed, because a node hears a channel's announced changes only while it has subscribers
/// there. Forgetting raises a generation: rights read before the change was announced, and handed in after it,
/// carry the old generation and are not kept. Rights are kept at most ``lifetime``: an announcement that never
/// arrives (a broker that lost it, a write whose announcement failed, a node of an older version) holds for that
/// long at most.
struct KeptRights {
    /// How long rights are kept without an announcement.
    static let lifetime = Duration.seconds(10)

    private var byChannel: [ChannelID: (rights: SendRights, until: ContinuousClock.Instant)] = [:]
    /// Raised by every ``forget(_:)``; a read of rights starts by noting it.
    private(set) var generation: UInt64 = 0

    /// The rights kept for `channel`, unless their lifetime is over at `now`.
    func rights(in channel: ChannelID, now: ContinuousClock.Instant) -> SendRights? {
        guard let kept = byChannel[channel], now < kept.until else { return nil }
        return kept.rights
    }

    /// Keeps `rights` read at `now` unless something was forgotten since they were read (`readAt` is the
    /// generation then).
    mutating func keep(_ rights: SendRights, in channel: ChannelID, readAt: UInt64, now: ContinuousClock.Instant) {
        guard readAt == generation else { return }
        byChannel[channel] = (rights, now + Self.lifetime)
    }

    /// Forgets what is kept for `channel`, or for every channel when nil, and turns away reads in flight.
    mutating func forget(_ channel: ChannelID?) {
        generation &+= 1
        if let channel { byChannel[channel] = nil } else { byChannel.removeAll() }
    }
}
