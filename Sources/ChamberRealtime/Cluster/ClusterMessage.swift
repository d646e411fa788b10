import Foundation

/// What the nodes of a cluster tell each other on the broker's cluster topic (JSON; the node that sent it is named
/// so that a node skips its own).
public struct ClusterMessage: Codable, Sendable {
    public enum Kind: String, Codable, Sendable {
        /// "I am alive": the node's registry entry; its presence version lets others notice a lost delta.
        case heartbeat
        /// A node joined or reconnected: every node answers with its heartbeat and presence snapshot.
        case hello
        /// `target` is asked for its whole presence (the asker missed a delta).
        case snapshotRequest = "snapshot_request"
        /// Changes of the sender's share of presence (`version` one above its last).
        case presence
        /// The sender's whole share of presence.
        case snapshot
        /// Close every connection of `user` (in `chamber`, or in every chamber) with `closeCode`; with `sessions`,
        /// only those of these sign-in sessions, with `keepSession`, all but those of that one.
        case disconnect
        /// End the subscriptions of `users` to `channel` (removed from it, kicked).
        case revokeChannel = "revoke_channel"
        /// `target` stops taking connections and closes its sockets with 1001 (clients move to other nodes).
        case drain
        /// The sender stops on purpose: forget it now rather than after the heartbeat timeout.
        case leaving
    }

    public struct PresenceEntry: Codable, Sendable, Equatable {
        public let chamber: String
        public let user: String
        /// `online`, `away`, or `offline` (gone from the sender).
        public let status: String
    }

    /// A node as the registry shows it.
    public struct NodeInfo: Codable, Sendable, Equatable {
        public let id: String
        /// Where clients reach it (host:port), as configured.
        public let address: String
        public let startedAt: Date
        public let connections: Int
        public let draining: Bool
        public let presenceVersion: Int64
    }

    public var kind: Kind
    public var node: String
    public var version: Int64?
    public var presence: [PresenceEntry]?
    public var info: NodeInfo?
    public var target: String?
    public var chamber: String?
    public var user: String?
    public var channel: String?
    public var users: [String]?
    public var closeCode: UInt16?
    public var sessions: [String]?
    public var keepSession: String?

    public init(
        kind: Kind, node: String, version: Int64? = nil, presence: [PresenceEntry]? = nil, info: NodeInfo? = nil, target: String? = nil,
        chamber: String? = nil, user: String? = nil, channel: String? = nil, users: [String]? = nil, closeCode: UInt16? = nil,
        sessions: [String]? = nil, keepSession: String? = nil
    ) {
        self.kind = kind
        self.node = node
        self.version = version
        self.presence = presence
        self.info = info
        self.target = target
        self.chamber = chamber
        self.user = user
        self.channel = channel
        self.users = users
        self.closeCode = closeCode
        self.sessions = sessions
        self.keepSession = keepSession
    }
}
