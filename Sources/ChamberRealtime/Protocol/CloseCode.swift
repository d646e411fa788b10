/// WebSocket close codes of protocol v1, with the reconnect rule of each range:
/// 4000–4499: the client may reconnect (after backoff) and recover; 4500–4999: it must not reconnect until the cause is fixed.
public enum CloseCode: UInt16, Sendable, CaseIterable {
    /// Normal closure, asked for by the client.
    case normal = 1000
    /// The node is shutting down: reconnect (to another node) and recover.
    case goingAway = 1001
    /// The client could not keep up: its outbound queue passed the byte limit. Reconnect and recover.
    case slowConsumer = 4001
    /// The client kept sending faster than the inbound rate limit. Reconnect after a backoff.
    case floodDetected = 4002
    /// The access token expired and was not refreshed on the socket. Refresh over REST, reconnect.
    case tokenExpired = 4003
    /// No `auth` frame arrived in time. Reconnect and authenticate at once.
    case authTimeout = 4004
    /// The member's role changed: reconnect at once to work with the new rights.
    case accessChanged = 4005
    /// The token was refused. Log in again before reconnecting.
    case authFailed = 4500
    /// The session was revoked or the account left the chamber. Do not reconnect.
    case accessRevoked = 4503
    /// An administrator disconnected the user. Do not reconnect on your own (log in again first).
    case disconnected = 4504
    /// A moderator banned the user from the chamber. Do not reconnect; the ban's end (if any) came in `moderation_notice`.
    case banned = 4505

    public var reason: String {
        switch self {
        case .normal: "normal"
        case .goingAway: "going_away"
        case .slowConsumer: "slow_consumer"
        case .floodDetected: "flood_detected"
        case .tokenExpired: "token_expired"
        case .authTimeout: "auth_timeout"
        case .accessChanged: "access_changed"
        case .authFailed: "auth_failed"
        case .accessRevoked: "access_revoked"
        case .disconnected: "disconnected"
        case .banned: "banned"
        }
    }
}
