/// Sign-in sessions that ended: those named, or every one of the user's but the one kept.
public enum RevokedSessions: Sendable, Equatable {
    case only([SessionID])
    case allExcept(SessionID?)

    /// Whether `session` is among them.
    public func contains(_ session: SessionID) -> Bool {
        switch self {
        case .only(let sessions): sessions.contains(session)
        case .allExcept(let kept): session != kept
        }
    }
}

/// Told when sign-in sessions end (logout, a session revoked, a password changed or reset, a refresh token replayed),
/// so that what they opened ends with them: the hub closes their live sockets on every node at once.
public protocol SessionObserver: Sendable {
    func sessionsRevoked(userID: UserID, _ sessions: RevokedSessions) async
}
