import ChamberDomain
import Foundation
import NIOCore
import Synchronization

/// Who is online in each chamber of this node, and the changes not yet told.
struct PresenceBook {
    /// chamber → user → status of each of the user's connections.
    var connections: [ChamberID: [UserID: [ClientConnection.ID: PresenceStatus]]] = [:]
    /// chamber → user → aggregate status to announce at the next flush.
    var pending: [ChamberID: [UserID: PresenceStatus]] = [:]
    var flushScheduled = false

    func status(of user: UserID, in chamber: ChamberID) -> PresenceStatus {
        guard let statuses = connections[chamber]?[user], !statuses.isEmpty else { return .offline }
        return statuses.values.contains(.online) ? .online : .away
    }

    func onlineCount(_ chamber: ChamberID) -> Int { connections[chamber]?.count ?? 0 }

    /// Applies a change and records the user's new aggregate status if it changed.
    mutating func update(_ chamber: ChamberID, _ user: UserID, connection: ClientConnection.ID, status: PresenceStatus?) {
        let before = self.status(of: user, in: chamber)
        if let status {
            connections[chamber, default: [:]][user, default: [:]][connection] = status
        } else {
            connections[chamber]?[user]?[connection] = nil
            if connections[chamber]?[user]?.isEmpty == true { connections[chamber]?[user] = nil }
            if connections[chamber]?.isEmpty == true { connections[chamber] = nil }
        }
        let after = self.status(of: user, in: chamber)
        if before != after { pending[chamber, default: [:]][user] = after }
    }
}

extension Hub {
    func presenceChanged(_ connection: ClientConnection, joined: Bool) {
        let schedule = presenceUpdate { book in
            book.update(connection.chamberID, connection.userID, connection: connection.id, status: joined ? connection.status : nil)
        }
        if schedule { schedulePresenceFlush() }
    }

    /// Sets the status of one connection (a device going to the background reports `away`).
    public func setStatus(_ connection: ClientConnection, _ status: PresenceStatus) {
        connection.setStatus(status)
        let schedule = presenceUpdate { book in
            book.update(connection.chamberID, connection.userID, connection: connection.id, status: status)
        }
        if schedule { schedulePresenceFlush() }
    }

    /// The aggregate status of a user in a chamber.
    public func status(of user: UserID, in chamber: ChamberID) -> PresenceStatus {
        presenceBook { $0.status(of: user, in: chamber) }
    }

    /// Online users of a chamber, sorted, one page at a time, and the total.
    public func onlineUsers(in chamber: ChamberID, after cursor: String?, limit: Int) -> (users: [(UserID, PresenceStatus)], total: Int, next: String?) {
        presenceBook { book in
            let all = (book.connections[chamber] ?? [:]).keys.sorted()
            let start = cursor.flatMap { c in all.firstIndex { $0.rawValue > c } } ?? (cursor == nil ? 0 : all.count)
            let page = Array(all[start..<min(start + limit, all.count)])
            let next = start + limit < all.count ? page.last?.rawValue : nil
            return (page.map { ($0, book.status(of: $0, in: chamber)) }, all.count, next)
        }
    }

    /// Batches presence changes: one frame per chamber per flush period, encoded once for every connection there.
    /// Small chambers learn who changed; large ones only the count, so cost stays linear in connections.
    private func schedulePresenceFlush() {
        Task { [weak self] in
            guard let self else { return }
            try? await Task.sleep(for: .milliseconds(self.configuration.presenceFlushMs))
            let batches = self.presenceUpdateReturning { book -> [(ChamberID, [UserID: PresenceStatus], Int)] in
                book.flushScheduled = false
                defer { book.pending = [:] }
                return book.pending.map { ($0.key, $0.value, book.onlineCount($0.key)) }
            }
            for (chamber, changes, online) in batches {
                let detailed = online <= self.configuration.presenceDetailLimit
                let frame = PresenceFrame(id: nil, channelId: nil, onlineCount: online,
                                          users: detailed ? changes.sorted { $0.key < $1.key }.map { .init(userId: $0.key.rawValue, status: $0.value.rawValue) } : nil,
                                          nextCursor: nil)
                self.publishEphemeral(WireCoding.encode(frame), to: .chamber(chamber))
            }
        }
    }
}

extension Hub {
    /// Applies a change; returns true when a flush must be scheduled (changes pending, none scheduled yet).
    fileprivate func presenceUpdate(_ body: (inout PresenceBook) -> Void) -> Bool {
        presence.withLock { book in
            body(&book)
            guard !book.pending.isEmpty, !book.flushScheduled else { return false }
            book.flushScheduled = true
            return true
        }
    }

    fileprivate func presenceBook<T>(_ body: (PresenceBook) -> T) -> T {
        presence.withLock { body($0) }
    }

    fileprivate func presenceUpdateReturning<T>(_ body: (inout PresenceBook) -> T) -> T {
        presence.withLock { body(&$0) }
    }
}
