import ChamberDomain
import CoreMetrics
import Foundation
import NIOCore
import Synchronization

/// Who is online in each chamber: this node's connections, and what the other nodes of the cluster reported.
///
/// A user's status aggregates every connection on every node: online if any is online, away if all are away.
/// Changes of the aggregate are told to this node's connections (`pending`); changes of this node's own share are
/// told to the other nodes (`localPending`, versioned, so a node that missed one asks for a snapshot).
struct PresenceBook {
    /// chamber → user → status of each of the user's connections on this node.
    var connections: [ChamberID: [UserID: [ClientConnection.ID: PresenceStatus]]] = [:]
    /// node → what it reported.
    var remote: [String: RemotePresence] = [:]
    /// chamber → user → aggregate status to announce to this node's connections at the next flush.
    var pending: [ChamberID: [UserID: PresenceStatus]] = [:]
    /// chamber → user → this node's share, to announce to the other nodes at the next flush.
    var localPending: [ChamberID: [UserID: PresenceStatus]] = [:]
    /// Raised with every change sent to the other nodes.
    var localVersion: Int64 = 0
    var flushScheduled = false

    struct RemotePresence {
        var version: Int64
        var users: [ChamberID: [UserID: PresenceStatus]] = [:]
    }

    /// This node's share of a user's status.
    func localStatus(of user: UserID, in chamber: ChamberID) -> PresenceStatus {
        guard let statuses = connections[chamber]?[user], !statuses.isEmpty else { return .offline }
        return statuses.values.contains(.online) ? .online : .away
    }

    /// The user's status across the cluster.
    func status(of user: UserID, in chamber: ChamberID) -> PresenceStatus {
        var best = localStatus(of: user, in: chamber)
        guard best != .online else { return .online }
        for node in remote.values {
            switch node.users[chamber]?[user] {
            case .online: return .online
            case .away: best = .away
            default: break
            }
        }
        return best
    }

    /// Users online or away in a chamber, on any node.
    func onlineUsers(_ chamber: ChamberID) -> Set<UserID> {
        var users = Set(connections[chamber]?.keys ?? [:].keys)
        for node in remote.values { users.formUnion(node.users[chamber]?.keys ?? [:].keys) }
        return users
    }

    func onlineCount(_ chamber: ChamberID) -> Int {
        remote.isEmpty ? connections[chamber]?.count ?? 0 : onlineUsers(chamber).count
    }

    /// Applies a change of one of this node's connections.
    mutating func update(_ chamber: ChamberID, _ user: UserID, connection: ClientConnection.ID, status: PresenceStatus?) {
        let before = self.status(of: user, in: chamber)
        let localBefore = localStatus(of: user, in: chamber)
        if let status {
            connections[chamber, default: [:]][user, default: [:]][connection] = status
        } else {
            connections[chamber]?[user]?[connection] = nil
            if connections[chamber]?[user]?.isEmpty == true { connections[chamber]?[user] = nil }
            if connections[chamber]?.isEmpty == true { connections[chamber] = nil }
        }
        let after = self.status(of: user, in: chamber)
        if before != after { pending[chamber, default: [:]][user] = after }
        let localAfter = localStatus(of: user, in: chamber)
        if localBefore != localAfter { localPending[chamber, default: [:]][user] = localAfter }
    }

    /// Everything this node has, as the other nodes should hold it.
    func snapshot() -> [ClusterMessage.PresenceEntry] {
        connections.flatMap { chamber, users in
            users.keys.map {
                ClusterMessage.PresenceEntry(chamber: chamber.rawValue, user: $0.rawValue, status: localStatus(of: $0, in: chamber).rawValue)
            }
        }
    }

    enum RemoteOutcome { case applied, stale, needsSnapshot }

    /// Applies what another node reported: a delta (its version must follow the one held) or a whole snapshot.
    mutating func applyRemote(node: String, version: Int64, entries: [ClusterMessage.PresenceEntry], snapshot: Bool) -> RemoteOutcome {
        if snapshot {
            if let held = remote[node], held.version > version { return .stale }
            let old = remote[node]?.users ?? [:]
            var users: [ChamberID: [UserID: PresenceStatus]] = [:]
            for entry in entries {
                guard let status = PresenceStatus(rawValue: entry.status), status != .offline else { continue }
                users[ChamberID(entry.chamber), default: [:]][UserID(entry.user)] = status
            }
            var affected = Set<Pair>()
            for (chamber, members) in old { for user in members.keys { affected.insert(Pair(chamber: chamber, user: user)) } }
            for (chamber, members) in users { for user in members.keys { affected.insert(Pair(chamber: chamber, user: user)) } }
            let before = affected.map { status(of: $0.user, in: $0.chamber) }
            remote[node] = RemotePresence(version: version, users: users)
            for (pair, was) in zip(affected, before) { notice(pair.chamber, pair.user, was: was) }
            return .applied
        }
        guard let held = remote[node] else { return .needsSnapshot }
        guard version > held.version else { return .stale }
        for entry in entries {
            let chamber = ChamberID(entry.chamber), user = UserID(entry.user)
            let was = status(of: user, in: chamber)
            if let status = PresenceStatus(rawValue: entry.status), status != .offline {
                remote[node]!.users[chamber, default: [:]][user] = status
            } else {
                remote[node]!.users[chamber]?[user] = nil
                if remote[node]!.users[chamber]?.isEmpty == true { remote[node]!.users[chamber] = nil }
            }
            notice(chamber, user, was: was)
        }
        remote[node]!.version = version
        // A version skipped means a delta was lost (the broker is at most once): the whole state is asked for.
        return version == held.version + 1 ? .applied : .needsSnapshot
    }

    /// Forgets a node that stopped or died: its users are offline unless connected elsewhere.
    mutating func removeRemote(node: String) {
        guard let gone = remote[node] else { return }
        let before = gone.users.flatMap { chamber, users in users.keys.map { (chamber, $0, status(of: $0, in: chamber)) } }
        remote[node] = nil
        for (chamber, user, was) in before { notice(chamber, user, was: was) }
    }

    /// What a flush announces: each chamber's changed users with its online count (to this node's connections), and
    /// this node's changed share with its new version (to the other nodes).
    struct Flush {
        var chambers: [(chamber: ChamberID, changes: [UserID: PresenceStatus], online: Int)] = []
        var delta: (version: Int64, entries: [ClusterMessage.PresenceEntry])?
    }

    /// Takes what changed since the last flush; the next change schedules a new one.
    mutating func takeFlush() -> Flush {
        flushScheduled = false
        defer {
            pending = [:]
            localPending = [:]
        }
        var flush = Flush()
        if !localPending.isEmpty {
            localVersion += 1
            let entries = localPending.flatMap { chamber, users in
                users.map { ClusterMessage.PresenceEntry(chamber: chamber.rawValue, user: $0.key.rawValue, status: $0.value.rawValue) }
            }
            flush.delta = (localVersion, entries)
        }
        flush.chambers = pending.map { ($0.key, $0.value, onlineCount($0.key)) }
        return flush
    }

    /// A chamber's online users (on any node) by id, the page after `after`, and the total.
    func onlinePage(in chamber: ChamberID, after: UserID?, limit: Int) -> (users: [(UserID, PresenceStatus)], total: Int, last: UserID?) {
        let all = onlineUsers(chamber).sorted()
        let start = after.map { last in all.firstIndex { $0 > last } ?? all.count } ?? 0
        let page = Array(all[start..<min(start + limit, all.count)])
        let more = start + limit < all.count
        return (page.map { ($0, status(of: $0, in: chamber)) }, all.count, more ? page.last : nil)
    }

    private struct Pair: Hashable {
        let chamber: ChamberID
        let user: UserID
    }

    private mutating func notice(_ chamber: ChamberID, _ user: UserID, was: PresenceStatus) {
        let now = status(of: user, in: chamber)
        if now != was { pending[chamber, default: [:]][user] = now }
    }
}

extension Hub {
    func presenceChanged(_ connection: ClientConnection, joined: Bool) {
        updatePresence { book in
            book.update(connection.chamberID, connection.userID, connection: connection.id, status: joined ? connection.status : nil)
        }
    }

    /// Sets the status of one connection (a device going to the background reports `away`).
    public func setStatus(_ connection: ClientConnection, _ status: PresenceStatus) {
        connection.setStatus(status)
        updatePresence { book in
            book.update(connection.chamberID, connection.userID, connection: connection.id, status: status)
        }
    }

    /// The aggregate status of a user in a chamber.
    public func status(of user: UserID, in chamber: ChamberID) -> PresenceStatus {
        presenceBook { $0.status(of: user, in: chamber) }
    }

    /// Online users of a chamber (on any node), sorted, one page at a time, and the total.
    public func onlineUsers(
        in chamber: ChamberID, after cursor: String?, limit: Int
    ) throws(ChamberError) -> (users: [(UserID, PresenceStatus)], total: Int, next: String?) {
        // Keyset paging by user id: users coming and going between pages move no one to another page. The cursor is
        // "u" and the last user id of the page; anything else was not issued here.
        var after: UserID?
        if let cursor {
            guard cursor.hasPrefix("u"), let user = UserID(validating: String(cursor.dropFirst())) else {
                throw ChamberError(.invalidCursor, "cursor is not one this server issued", field: "cursor")
            }
            after = user
        }
        let page = presenceBook { $0.onlinePage(in: chamber, after: after, limit: limit) }
        return (page.users, page.total, page.last.map { "u" + $0.rawValue })
    }

    /// Batches presence changes: one frame per chamber per flush period, encoded once for this node's connections
    /// there (every node tells its own), and one message to the other nodes with this node's changed share.
    /// Small chambers learn who changed; large ones only the count, so cost stays linear in connections.
    func flushPresence() async {
        // A cancelled wait (the hub stopping) still flushes: what changed reaches the others.
        try? await clock.sleep(for: .milliseconds(configuration.presenceFlushMs))
        let flush = presence.withLock { $0.takeFlush() }
        if let delta = flush.delta {
            publishCluster(ClusterMessage(kind: .presence, node: nodeID, version: delta.version, presence: delta.entries))
        }
        for (chamber, changes, online) in flush.chambers {
            let detailed = online <= configuration.presenceDetailLimit
            let frame = PresenceFrame(
                id: nil, channelId: nil, onlineCount: online,
                users: detailed ? changes.sorted { $0.key < $1.key }.map { .init(userId: $0.key.rawValue, status: $0.value.rawValue) } : nil,
                nextCursor: nil)
            let queued = ClientConnection.deliver(WireCoding.encode(frame), to: connections(in: chamber), metrics: metrics)
            metrics.fanoutDeliveries.increment(by: queued)
        }
    }
}

extension Hub {
    /// Applies a change to presence, and asks ``run()`` for a flush when changes wait and none is asked for yet.
    @discardableResult
    func updatePresence<T: Sendable>(_ body: (inout PresenceBook) -> T) -> T {
        let (result, needsFlush) = presence.withLock { book in
            let result = body(&book)
            guard !book.pending.isEmpty || !book.localPending.isEmpty, !book.flushScheduled else { return (result, false) }
            book.flushScheduled = true
            return (result, true)
        }
        if needsFlush { schedule(.flushPresence) }
        return result
    }

    fileprivate func presenceBook<T>(_ body: (PresenceBook) -> T) -> T {
        presence.withLock { body($0) }
    }
}
