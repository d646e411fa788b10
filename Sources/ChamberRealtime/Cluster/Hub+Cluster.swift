import ChamberDomain
import CoreMetrics
import Foundation
import Logging
import NIOCore
import Synchronization

/// The hub's part in the cluster: what it tells the other nodes through ``ClusterMembership`` and what it does when
/// they ask (presence, disconnects, revocations, drains).
extension Hub {
    // MARK: Sending

    func publishCluster(_ message: ClusterMessage) {
        membership.send(message)
    }

    func nodeInfo() -> ClusterMessage.NodeInfo {
        ClusterMessage.NodeInfo(
            id: nodeID, address: configuration.nodeAddress, startedAt: startedAt, connections: connectionCount,
            draining: isDraining, presenceVersion: presence.withLock { $0.localVersion })
    }

    /// Sends this node's whole share of presence (its version with it).
    private func publishSnapshot() {
        let (version, entries) = presence.withLock { ($0.localVersion, $0.snapshot()) }
        publishCluster(ClusterMessage(kind: .snapshot, node: nodeID, version: version, presence: entries))
    }

    /// Heartbeats and the expiry of nodes that stopped sending them, until the hub stops (a child of ``run()``);
    /// while the broker is out of reach, each beat also reads the channels' streams from the store.
    func beatHeartbeats() async {
        while !stopped.load(ordering: .relaxed), !Task.isCancelled {
            for id in membership.beat(nodeInfo()) {
                logger.warning("a node stopped sending heartbeats; its connections count as gone", metadata: ["node": "\(id)"])
                forgetPresence(of: id)
            }
            if case .degraded = brokerHealth { await readStreamsFromStore() }
            try? await clock.sleep(for: .milliseconds(configuration.heartbeatIntervalMs))
        }
    }

    /// Channels whose streams one beat reads from the store while the broker is away, at most.
    static let outageReadsPerBeat = 500

    /// Store reads of one beat at once, at most: the sends of the node share the pool.
    static let outageReadsAtOnce = 8

    /// Other nodes' events cannot come while the broker is away, but they are stored: every channel with a
    /// subscriber here catches up from the store, so a node whose members only read still hears the others (within
    /// a heartbeat). Above ``outageReadsPerBeat`` channels, a different sample is read at each beat. The beat waits
    /// for its reads, so a slow store slows the reads down instead of piling them up.
    private func readStreamsFromStore() async {
        var channels = routedChannels()
        if channels.count > Self.outageReadsPerBeat { channels = Array(channels.shuffled().prefix(Self.outageReadsPerBeat)) }
        await withTaskGroup(of: Void.self) { group in
            for (index, (chamber, channel)) in channels.enumerated() {
                if index >= Self.outageReadsAtOnce { await group.next() }
                // A channel still recovering its first subscriber is read at the next beat, not retried meanwhile.
                group.addTask { await self.catchUp(chamber: chamber, channel: channel, attempt: Self.lastCatchUpAttempt) }
            }
        }
    }

    private func forgetPresence(of node: String) {
        updatePresence { $0.removeRemote(node: node) }
    }

    // MARK: Receiving

    /// Topics that may have missed messages: channel streams catch up from the store; the cluster topic (joined
    /// or rejoined) asks every node for its state; kept send rights are read again (a change may have been missed).
    func resync(_ topics: [BrokerMessage.Topic]) {
        for topic in topics {
            forgetRights(of: topic)
            switch topic {
            case .cluster:
                publishCluster(ClusterMessage(kind: .hello, node: nodeID, info: nodeInfo()))
                publishSnapshot()
            case .channel(let chamber, let channel):
                schedule(.catchUp(chamber, channel, attempt: 0))
            case .user, .chamber:
                break
            }
        }
    }

    func receiveCluster(_ frame: ByteBuffer) {
        guard let message = membership.receive(frame) else { return }
        switch message.kind {
        case .heartbeat:
            // The node is new to us, or a presence delta of it went missing: ask for its whole state.
            let held = presence.withLock { $0.remote[message.node]?.version }
            if let version = message.info?.presenceVersion, held.map({ $0 < version }) ?? true { requestSnapshot(from: message.node) }
        case .hello:
            publishCluster(ClusterMessage(kind: .heartbeat, node: nodeID, info: nodeInfo()))
            publishSnapshot()
        case .snapshotRequest:
            if message.target == nodeID { publishSnapshot() }
        case .presence, .snapshot:
            let outcome = updatePresence { book in
                book.applyRemote(
                    node: message.node, version: message.version ?? 0, entries: message.presence ?? [], snapshot: message.kind == .snapshot)
            }
            if outcome == .needsSnapshot { requestSnapshot(from: message.node) }
        case .disconnect:
            guard let user = message.user, let code = message.closeCode.flatMap(CloseCode.init(rawValue:)) else { return }
            let sessions: RevokedSessions =
                message.sessions.map { .only($0.map(SessionID.init)) } ?? .allExcept(message.keepSession.map(SessionID.init))
            closeLocally(user: UserID(user), chamber: message.chamber.map(ChamberID.init), sessions: sessions, code: code)
        case .revokeChannel:
            guard let chamber = message.chamber, let channel = message.channel else { return }
            revokeLocally(chamber: ChamberID(chamber), channel: ChannelID(channel), users: (message.users ?? []).map(UserID.init))
        case .drain:
            if message.target == nodeID {
                logger.notice("draining on request of the cluster", metadata: ["from": "\(message.node)"])
                schedule(.drain)
            }
        case .leaving:
            membership.forget(message.node)
            forgetPresence(of: message.node)
        }
    }

    private func requestSnapshot(from node: String) {
        publishCluster(ClusterMessage(kind: .snapshotRequest, node: nodeID, target: node))
    }

    /// A catch-up waiting for a channel's first subscriber tries again this many times, 50 ms apart.
    static let lastCatchUpAttempt = 100

    /// A channel stream whose live messages may have been missed (subscribed upstream just now, or after a
    /// reconnect) takes what the store has after the last event it delivered.
    func catchUp(chamber: ChamberID, channel: ChannelID, attempt: Int) async {
        let position = routePosition(channel)
        guard case .some(let delivered) = position else { return }
        guard let after = delivered else {
            // Still recovering its first subscriber: look once it knows where it stands.
            guard attempt < Self.lastCatchUpAttempt else { return }
            do {
                try await clock.sleep(for: .milliseconds(50))
            } catch {
                return
            }
            schedule(.catchUp(chamber, channel, attempt: attempt + 1))
            return
        }
        let limit = 500
        guard let frames = await storedFrames(chamber, channel, after: after, limit: limit), !frames.isEmpty else { return }
        metrics.catchUps.increment()
        receive(frames, in: channel)
        if frames.count == limit { schedule(.catchUp(chamber, channel, attempt: 0)) }
    }

    // MARK: Commands (effective on every node)

    /// Closes every connection of `user` on every node (in `chamber` only, when given; of these sign-in sessions only,
    /// when given).
    public func disconnectEverywhere(user: UserID, chamber: ChamberID?, sessions: RevokedSessions = .allExcept(nil), code: CloseCode) {
        closeLocally(user: user, chamber: chamber, sessions: sessions, code: code)
        var message = ClusterMessage(kind: .disconnect, node: nodeID, chamber: chamber?.rawValue, user: user.rawValue, closeCode: code.rawValue)
        switch sessions {
        case .only(let ids): message.sessions = ids.map(\.rawValue)
        case .allExcept(let kept): message.keepSession = kept?.rawValue
        }
        publishCluster(message)
    }

    /// Ends the subscriptions of `users` to a channel on every node.
    public func revokeEverywhere(chamber: ChamberID, channel: ChannelID, users: [UserID]) {
        revokeLocally(chamber: chamber, channel: channel, users: users)
        publishCluster(
            ClusterMessage(kind: .revokeChannel, node: nodeID, chamber: chamber.rawValue, channel: channel.rawValue, users: users.map(\.rawValue)))
    }

    /// Asks a node to drain (this one drains at once). False when no such node is known.
    public func drainNode(_ id: String) async -> Bool {
        if id == nodeID {
            await drain()
            return true
        }
        guard membership.knows(id) else { return false }
        publishCluster(ClusterMessage(kind: .drain, node: nodeID, target: id))
        return true
    }

    /// Every node this one hears from, itself first.
    public func clusterNodes() -> [ClusterNodeStatus] {
        [ClusterNodeStatus(info: nodeInfo(), isSelf: true, lastSeenMsAgo: 0)] + membership.others()
    }

    /// Whether the other nodes are reachable.
    public var brokerHealth: BrokerHealth { broker.health }

    /// The broker's kind (`in-process`, `redis`).
    public var brokerKind: String { broker.kind }

    private func closeLocally(user: UserID, chamber: ChamberID?, sessions: RevokedSessions, code: CloseCode) {
        let targets = chamber.map { connections(ofUser: user, in: $0) } ?? allConnections().filter { $0.userID == user }
        for connection in targets where connection.sessionID.map(sessions.contains) ?? true { connection.close(code) }
    }

    private func revokeLocally(chamber: ChamberID, channel: ChannelID, users: [UserID]) {
        for user in users {
            for connection in connections(ofUser: user, in: chamber) where connection.subscriptions.contains(channel) {
                unsubscribe(connection, from: channel)
            }
        }
    }
}
