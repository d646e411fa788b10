import Foundation

/// The outcome of a send, as the sender's acknowledgement reports it.
public enum SendOutcome: Sendable, Equatable {
    /// Stored and published (or stored earlier: a retry gets the same message back). `rewrite` is set when the
    /// published body is not what was sent: the sender must be told (a member's words never change silently).
    case published(Message, duplicate: Bool, rewrite: Rewrite?)
    /// Held for a moderator's review: stored, not published.
    case held(rule: String, reason: String)
}

/// A published body that differs from what its sender wrote, and the moderation rules that changed it (empty when
/// no longer known: a retry of a message stored earlier).
public struct Rewrite: Sendable, Equatable {
    public let body: String
    public let rules: [String]

    /// The rules as the wire reports them: nil when unknown (an answer leaves `changed_by` out rather than empty).
    public var reportedRules: [String]? { rules.isEmpty ? nil : rules }

    /// The rewrite of `stored` against what was `sent`, if there was one.
    init?(stored: Message, sent: String, rules: [String]) {
        guard stored.body != sent.trimmingWhitespace() else { return nil }
        self.body = stored.body
        self.rules = rules
    }
}

/// A send checked and queued (``ChatService/beginSend(_:channelID:draft:unsettledSince:known:)``): its outcome once
/// stored and published, or at once when it needed no storing (a retry, a held message).
public struct SendInProgress: Sendable {
    /// When the send was made (for the sender's slow mode while it is not stored yet).
    public let at: Date
    /// Whether it is queued for storing (not a retry or a held message, answered at once).
    public let storing: Bool
    /// The sender's rights in the channel the send was checked against, for the caller to keep for its next sends
    /// until a change of them is announced; nil when they were not read whole (a retry answered at once).
    public let rights: SendRights?
    private let finish: @Sendable () async throws -> SendOutcome

    init(at: Date, _ outcome: SendOutcome, rights: SendRights? = nil) {
        self.at = at
        self.storing = false
        self.rights = rights
        self.finish = { outcome }
    }

    init(at: Date, rights: SendRights?, _ finish: @escaping @Sendable () async throws -> SendOutcome) {
        self.at = at
        self.storing = true
        self.rights = rights
        self.finish = finish
    }

    /// Waits for the store (and the publish) and returns what the sender's acknowledgement reports. Ask once.
    public func outcome() async throws -> SendOutcome { try await finish() }
}

/// What a reconnecting reader gets for one channel.
public enum RecoveryOutcome: Sendable, Equatable {
    /// Everything after the reader's last sequence, in order (possibly nothing).
    case events([ChannelEvent])
    /// Too much was missed: refetch history; `latestSeq` is where the channel is now.
    case incomplete(latestSeq: Int64)
}

/// Channels and messages: who may read and write where, and what happens when they do.
/// Every operation takes a ``ChamberAccess``; events are stored first, then handed to the publisher.
public final class ChatService: Sendable {
    let store: any Store
    /// Files attached to messages (``upload(_:channelID:_:)``).
    let files: FileService
    private let publisher: any ChannelEventPublisher
    private let moderation: ModerationPolicies
    private let queue: ReviewQueueAnnouncer?
    private let refused: @Sendable (ChamberError.Code) -> Void
    private let readObserver: (any ChannelReadObserver)?
    public let limits: ChatLimits
    let now: @Sendable () -> Date

    /// - Parameters:
    ///   - files: where files attached to messages are kept.
    ///   - moderation: each chamber's filters and flood control.
    ///   - queue: tells moderators of held messages as they are held.
    ///   - refused: counts sends refused by moderation (muted, banned, locked, slow mode, flood, a rule), by code.
    ///   - readObserver: hears where members read channels up to (their notifications of it are read too).
    public init(
        store: any Store, files: FileService, publisher: any ChannelEventPublisher, moderation: ModerationPolicies,
        queue: ReviewQueueAnnouncer? = nil, refused: @escaping @Sendable (ChamberError.Code) -> Void = { _ in },
        readObserver: (any ChannelReadObserver)? = nil, limits: ChatLimits = .init(), now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.files = files
        self.publisher = publisher
        self.moderation = moderation
        self.queue = queue
        self.refused = refused
        self.readObserver = readObserver
        self.limits = limits
        self.now = now
    }

    private func chat(_ access: ChamberAccess) -> ChatStores { store.scoped(to: access.chamberID).chat }

    // MARK: Reading and writing rights

    /// The channel, if the caller may read it; `channel_not_found` otherwise (so private channels cannot be probed).
    public func readableChannel(_ access: ChamberAccess, _ id: ChannelID) async throws -> Channel {
        guard let channel = try await chat(access).channels.find(id: id), try await canRead(access, channel) else {
            throw ChamberError(.channelNotFound, "no channel \(id) that you can read")
        }
        return channel
    }

    func canRead(_ access: ChamberAccess, _ channel: Channel) async throws -> Bool {
        switch channel.kind {
        case .announcement: return canRead(access, channel, member: nil)
        case .direct, .group, .event:
            return canRead(access, channel, member: try await chat(access).channels.member(channel.id, userID: access.userID))
        }
    }

    /// Whether the caller may read the channel, their membership in it known.
    func canRead(_ access: ChamberAccess, _ channel: Channel, member: ChannelMember?) -> Bool {
        switch channel.kind {
        case .announcement: return access.can(.view, .announcement)
        case .direct, .group, .event:
            // A `reader` row only remembers a read position; it is no membership.
            guard let member else { return false }
            return member.role != .reader
        }
    }

    /// Throws unless the caller may post in the channel.
    func requireWrite(_ access: ChamberAccess, _ channel: Channel) throws(ChamberError) {
        guard !channel.isArchived else { throw ChamberError(.channelArchived, "channel \(channel.id) is archived") }
        guard !channel.isLocked || access.role >= .moderator else {
            refused(.channelLocked)
            throw ChamberError(.channelLocked, "channel \(channel.id) is locked by a moderator")
        }
        switch channel.kind {
        case .announcement:
            guard access.can(.create, .announcement) else {
                throw ChamberError(.forbidden, "only admins and staff post in announcement channels")
            }
        case .direct, .group, .event:
            try access.require(.create, .message)
        }
    }

    // MARK: Channels

    /// Opens the direct channel between the caller and `peer`, creating it the first time.
    public func openDirect(_ access: ChamberAccess, with peer: UserID) async throws -> Channel {
        try access.require(.create, .channel)
        guard peer != access.userID else { throw ChamberError(.validationFailed, "a direct channel needs another member", field: "user_id") }
        let scope = store.scoped(to: access.chamberID)
        guard try await scope.members.find(userID: peer) != nil else {
            throw ChamberError(.memberNotFound, "no member \(peer) in this chamber", field: "user_id")
        }
        let key = Channel.directKey(access.userID, peer)
        if let existing = try await scope.channels.findDirect(key: key) { return existing }
        let at = now()
        let channel = Channel(id: .generate(), chamberID: access.chamberID, kind: .direct, name: nil, createdBy: access.userID, createdAt: at)
        do {
            try await scope.channels.create(
                channel, members: [access.userID, peer].map { ChannelMember(channelID: channel.id, userID: $0, role: .member, joinedAt: at) },
                directKey: key)
        } catch let error as ChamberError where error.code == .conflict {
            // Both opened it at once: the other one won.
            if let existing = try await scope.channels.findDirect(key: key) { return existing }
            throw error
        }
        await publisher.channelChanged(channel, members: [access.userID, peer], revoked: false)
        return channel
    }

    /// Creates a group (the caller owns it), an event room or an announcement channel.
    public func create(
        _ access: ChamberAccess, kind: Channel.Kind, name rawName: String, topic: String?, eventID: String?, members: [UserID]
    ) async throws -> Channel {
        switch kind {
        case .direct: throw ChamberError(.validationFailed, "open direct channels with the direct operation", field: "kind")
        case .group: try access.require(.create, .channel)
        case .event: try access.require(.create, .event)
        case .announcement: try access.require(.create, .announcement)
        }
        let name = try Validate.name(rawName, field: "name", maxLength: 80)
        let topic = try Validate.optionalText(topic, field: "topic", maxLength: 250)
        let eventID = try Validate.optionalText(eventID, field: "event_id", maxLength: 64)
        if kind == .event, eventID == nil { throw ChamberError(.validationFailed, "an event room needs event_id", field: "event_id") }
        guard members.count <= 500 else { throw ChamberError(.validationFailed, "at most 500 initial members", field: "members") }
        let scope = store.scoped(to: access.chamberID)
        var memberIDs = [access.userID]
        for id in members where !memberIDs.contains(id) {
            guard try await scope.members.find(userID: id) != nil else {
                throw ChamberError(.memberNotFound, "no member \(id) in this chamber", field: "members")
            }
            memberIDs.append(id)
        }
        let at = now()
        let channel = Channel(
            id: .generate(), chamberID: access.chamberID, kind: kind, name: name, topic: topic, eventID: eventID, createdBy: access.userID,
            createdAt: at)
        let rows =
            kind == .announcement
            ? []
            : memberIDs.map {
                ChannelMember(channelID: channel.id, userID: $0, role: $0 == access.userID ? .owner : .member, joinedAt: at)
            }
        try await scope.channels.create(channel, members: rows, directKey: nil)
        await publisher.channelChanged(channel, members: kind == .announcement ? [] : memberIDs, revoked: false)
        return channel
    }

    /// The caller's channels with unread counts and last messages.
    public func myChannels(_ access: ChamberAccess) async throws -> [ChannelSummary] {
        let all = try await chat(access).channels.summaries(for: access.userID)
        return access.can(.view, .announcement) ? all : all.filter { $0.channel.kind != .announcement }
    }

    public func members(_ access: ChamberAccess, channelID: ChannelID, page: PageRequest) async throws -> Page<ChannelMember> {
        let channel = try await readableChannel(access, channelID)
        guard channel.kind != .announcement else {
            throw ChamberError(.validationFailed, "announcement channels are read by the whole chamber; list chamber members instead")
        }
        return try await chat(access).channels.members(channelID, page: page)
    }

    /// Joins an event room. An event's live room takes those registered for it, and staff as its organisers (owners);
    /// a room naming no event of the chamber takes every member who may see events.
    public func join(_ access: ChamberAccess, channelID: ChannelID) async throws -> Channel {
        guard let channel = try await chat(access).channels.find(id: channelID), channel.kind == .event, access.can(.view, .event) else {
            throw ChamberError(.channelNotFound, "no event room \(channelID) that you can join")
        }
        guard !channel.isArchived else { throw ChamberError(.channelArchived, "channel \(channel.id) is archived") }
        let role = try await roomRole(access, channel)
        let sanctions = try await store.scoped(to: access.chamberID).moderation.activeSanctions(userID: access.userID, at: now())
        if let kick = sanctions.first(where: { $0.kind == .kick && $0.channelID == channelID }) {
            throw ChamberError(
                .userKicked, "a moderator removed you from this room\(kick.reason.map { ": \($0)" } ?? "")",
                retryAfterSeconds: kick.secondsLeft(at: now()))
        }
        try await chat(access).channels.addMember(ChannelMember(channelID: channelID, userID: access.userID, role: role, joinedAt: now()))
        await publisher.channelChanged(channel, members: [access.userID], revoked: false)
        return channel
    }

    /// Who the caller is in an event room: an organiser (owner) when they run the chamber's events, a member when
    /// registered for the room's event; refused otherwise. A room naming no event of the chamber is open.
    private func roomRole(_ access: ChamberAccess, _ channel: Channel) async throws -> ChannelMember.Role {
        let scope = store.scoped(to: access.chamberID)
        guard let eventID = channel.eventID.flatMap(EventID.init(validating:)), let event = try await scope.events.find(id: eventID) else {
            return .member
        }
        if access.can(.update, .event) { return .owner }
        guard let registration = try await scope.events.registration(of: access.userID, event: event.id), registration.status.holdsSeats else {
            throw ChamberError(.forbidden, "the room of \(event.title) is for those registered for it")
        }
        return .member
    }

    /// Takes a member out of an event's room when their registration ends: a system action, by no member. Organisers
    /// (the room's owners) stay.
    public func removeFromRoom(_ channelID: ChannelID, userID: UserID, in chamberID: ChamberID) async throws {
        let channels = store.scoped(to: chamberID).chat.channels
        guard let channel = try await channels.find(id: channelID), channel.kind == .event,
            let member = try await channels.member(channelID, userID: userID), member.role != .owner
        else { return }
        _ = try await channels.removeMember(channelID, userID: userID)
        await publisher.channelChanged(channel, members: [userID], revoked: true)
    }

    /// Puts a registrant in their event's room when their registration comes to hold seats: a system action, by no
    /// member. Staff who run events come in as organisers (owners), like when they join. Nothing happens for a member
    /// of the room, an archived room, or one a moderator kicked the user from (their kick stands).
    public func addToRoom(_ channelID: ChannelID, userID: UserID, in chamberID: ChamberID) async throws {
        let scope = store.scoped(to: chamberID)
        guard let channel = try await scope.chat.channels.find(id: channelID), channel.kind == .event, !channel.isArchived,
            try await scope.chat.channels.member(channelID, userID: userID) == nil,
            let membership = try await scope.members.find(userID: userID)
        else { return }
        let sanctions = try await scope.moderation.activeSanctions(userID: userID, at: now())
        guard !sanctions.contains(where: { $0.kind == .kick && $0.channelID == channelID }) else { return }
        let role: ChannelMember.Role = Permissions.allows(membership.membership.role, .update, .event) ? .owner : .member
        try await scope.chat.channels.addMember(ChannelMember(channelID: channelID, userID: userID, role: role, joinedAt: now()))
        await publisher.channelChanged(channel, members: [userID], revoked: false)
    }

    /// Posts an organiser's notice to an event's live room (a change, a cancellation, a reminder): a system action in
    /// `author`'s name, stored and published like their own message, once per `clientMessageID`. The author becomes
    /// an owner of the room if they are not one, so the notice reaches every member as an organiser's message does.
    /// Nothing is posted to an archived room. Returns whether the notice is in the room (posted now or before).
    @discardableResult
    public func postNotice(
        _ channelID: ChannelID, in chamberID: ChamberID, by author: UserID, body: String, data: JSONValue, clientMessageID: String
    ) async throws -> Bool {
        let channels = store.scoped(to: chamberID).chat.channels
        guard let channel = try await channels.find(id: channelID), channel.kind == .event, !channel.isArchived else { return false }
        switch try await channels.member(channelID, userID: author)?.role {
        case .owner: break
        case nil:
            try await channels.addMember(ChannelMember(channelID: channelID, userID: author, role: .owner, joinedAt: now()))
            await publisher.channelChanged(channel, members: [author], revoked: false)
        case .member, .reader:
            _ = try await channels.setRole(.owner, of: author, in: channelID)
            await publisher.channelChanged(channel, members: [author], revoked: false)
        }
        let message = Message(
            id: .generateOrdered(), chamberID: chamberID, channelID: channelID, seq: 0, senderID: author, clientMessageID: clientMessageID,
            body: String(body.prefix(limits.maxBodyLength)), replyTo: nil, mentions: [], attachments: [], data: data, createdAt: now())
        switch try await store.scoped(to: chamberID).chat.messages.enqueue(message).stored() {
        case .appended(let event):
            await publisher.publish(event)
            return true
        case .duplicate: return true
        case .heldBefore: return false
        }
    }

    /// Archives an event's room when the event is over or cancelled: a system action, by no member.
    public func archiveRoom(_ channelID: ChannelID, in chamberID: ChamberID) async throws {
        let channels = store.scoped(to: chamberID).chat.channels
        guard var channel = try await channels.find(id: channelID), channel.kind == .event, channel.archivedAt == nil else { return }
        channel.archivedAt = now()
        try await channels.update(channel)
        await publisher.channelChanged(channel, members: [], revoked: false)
    }

    /// Leaves a group or event room.
    public func leave(_ access: ChamberAccess, channelID: ChannelID) async throws {
        let channel = try await readableChannel(access, channelID)
        guard channel.kind == .group || channel.kind == .event else {
            throw ChamberError(.validationFailed, "only groups and event rooms can be left")
        }
        _ = try await chat(access).channels.removeMember(channelID, userID: access.userID)
        await publisher.channelChanged(channel, members: [access.userID], revoked: true)
    }

    /// Adds members to a group: its owners and the chamber's moderators, staff and admins may.
    public func addMembers(_ access: ChamberAccess, channelID: ChannelID, userIDs: [UserID]) async throws -> Channel {
        let channel = try await managedGroup(access, channelID)
        let scope = store.scoped(to: access.chamberID)
        for id in userIDs {
            guard try await scope.members.find(userID: id) != nil else {
                throw ChamberError(.memberNotFound, "no member \(id) in this chamber", field: "user_ids")
            }
        }
        for id in userIDs { try await scope.channels.addMember(ChannelMember(channelID: channelID, userID: id, role: .member, joinedAt: now())) }
        await publisher.channelChanged(channel, members: userIDs, revoked: false)
        return channel
    }

    public func removeMember(_ access: ChamberAccess, channelID: ChannelID, userID: UserID) async throws {
        let channel = try await managedGroup(access, channelID)
        guard try await chat(access).channels.removeMember(channelID, userID: userID) else {
            throw ChamberError(.memberNotFound, "no member \(userID) in this channel")
        }
        await publisher.channelChanged(channel, members: [userID], revoked: true)
    }

    /// Archives a channel: it stays readable, nobody can post. Owners, staff and admins may.
    public func archive(_ access: ChamberAccess, channelID: ChannelID) async throws -> Channel {
        var channel = try await readableChannel(access, channelID)
        let owner = try await chat(access).channels.member(channelID, userID: access.userID)?.role == .owner
        guard owner || access.can(.delete, .channel) else { throw ChamberError(.forbidden, "only the channel's owners, staff and admins archive it") }
        guard channel.kind != .direct else { throw ChamberError(.validationFailed, "direct channels cannot be archived") }
        if channel.archivedAt == nil {
            channel.archivedAt = now()
            try await chat(access).channels.update(channel)
        }
        await publisher.channelChanged(channel, members: [], revoked: false)
        return channel
    }

    private func managedGroup(_ access: ChamberAccess, _ channelID: ChannelID) async throws -> Channel {
        let channel = try await readableChannel(access, channelID)
        guard channel.kind == .group else { throw ChamberError(.validationFailed, "members are managed in group channels only") }
        let owner = try await chat(access).channels.member(channelID, userID: access.userID)?.role == .owner
        guard owner || access.role >= .moderator else {
            throw ChamberError(.forbidden, "only the group's owners and chamber moderators manage its members")
        }
        guard !channel.isArchived else { throw ChamberError(.channelArchived, "channel \(channel.id) is archived") }
        return channel
    }

    // MARK: Messages

    /// Checks, moderates, stores and publishes a message. A retried send with the same client message id
    /// gets the stored message back and publishes nothing.
    public func send(_ access: ChamberAccess, channelID: ChannelID, draft: MessageDraft) async throws -> SendOutcome {
        try await beginSend(access, channelID: channelID, draft: draft).outcome()
    }

    /// Checks and moderates a message and queues it for storing, returning once it is queued: the outcome follows
    /// from ``SendInProgress/outcome()`` (published once stored). A socket's sends pipeline this way: each is checked
    /// in turn and queued behind the one before, and one transaction stores them together.
    /// - Parameters:
    ///   - unsettledSince: when the caller's latest send to this channel that is not stored yet was made, for slow
    ///     mode (it counts as sent).
    ///   - known: the sender's rights in the channel as an earlier send read them (``SendInProgress/rights``), kept
    ///     by the caller until a change of them was announced. With them the send runs no SQL before it is queued:
    ///     a retry of a stored send is recognised by the batch that would store it, and any refusal first looks
    ///     for an earlier send under the same client message id, so a retry gets its first answer either way.
    public func beginSend(
        _ access: ChamberAccess, channelID: ChannelID, draft: MessageDraft, unsettledSince: Date? = nil, known: SendRights? = nil
    ) async throws -> SendInProgress {
        let clientID = draft.clientMessageID.trimmingWhitespace(keepingLineBreaks: true)
        guard !clientID.isEmpty, clientID.count <= limits.maxClientMessageIDLength else {
            throw ChamberError(
                .validationFailed, "client_message_id must be 1 to \(limits.maxClientMessageIDLength) characters", field: "client_message_id")
        }
        let at = now()
        let send = Send(access: access, channelID: channelID, clientID: clientID, draft: draft, at: at)
        if let known, known.isKeepable, known.channel.id == channelID, canRead(access, known.channel, member: known.member) {
            do {
                return try await checkAndQueue(send, rights: known, unsettledSince: unsettledSince, retriesRuledOut: false)
            } catch {
                if let earlier = try await earlierAnswer(send) { return earlier }
                throw error
            }
        }
        // One read for the common send; a retry or a sanction reads its details below.
        guard let context = try await chat(access).channels.sendContext(channelID, senderID: access.userID, clientMessageID: clientID, at: at),
            canRead(access, context.channel, member: context.member)
        else {
            throw ChamberError(.channelNotFound, "no channel \(channelID) that you can read")
        }
        // A retry of a stored send gets the same answer, whatever changed since (archiving, moderation rules).
        if context.sentBefore || context.heldBefore, let earlier = try await earlierAnswer(send) { return earlier }
        let sanctions =
            context.sanctioned ? try await store.scoped(to: access.chamberID).moderation.activeSanctions(userID: access.userID, at: at) : []
        let rights = SendRights(channel: context.channel, member: context.member, sanctions: sanctions)
        return try await checkAndQueue(send, rights: rights, unsettledSince: unsettledSince, retriesRuledOut: true)
    }

    /// A send as it came, its client message id trimmed.
    private struct Send {
        let access: ChamberAccess
        let channelID: ChannelID
        let clientID: String
        let draft: MessageDraft
        let at: Date
    }

    /// The answer a retry gets: the message stored under the send's client message id, or the state of the send held
    /// under it (a rejected one is refused again); nil when there was none.
    private func earlierAnswer(_ send: Send) async throws -> SendInProgress? {
        let (access, channelID, clientID) = (send.access, send.channelID, send.clientID)
        if let earlier = try await chat(access).channels.findSent(channelID, senderID: access.userID, clientMessageID: clientID) {
            return SendInProgress(
                at: send.at, .published(earlier, duplicate: true, rewrite: Rewrite(stored: earlier, sent: send.draft.body, rules: [])))
        }
        guard let held = try await chat(access).messages.findHeld(channelID, senderID: access.userID, clientMessageID: clientID) else { return nil }
        return SendInProgress(at: send.at, try Self.answer(held))
    }

    /// What a send held for review answers now.
    private static func answer(_ held: ReviewItem) throws -> SendOutcome {
        guard held.state != .rejected else {
            throw ChamberError(.messageRejected, "a moderator rejected this message: \(held.decisionNote ?? held.reason)", field: held.rule)
        }
        return .held(rule: held.rule ?? "", reason: held.reason)
    }

    /// Checks the send against the sender's rights, the message itself and moderation, then holds it or queues it.
    /// `retriesRuledOut`: no earlier send under this client message id exists (read with the rights); otherwise the
    /// rare paths (holding) look first.
    private func checkAndQueue(_ send: Send, rights: SendRights, unsettledSince: Date?, retriesRuledOut: Bool) async throws -> SendInProgress {
        let (access, channelID, draft, at) = (send.access, send.channelID, send.draft, send.at)
        try await requirePosting(access, rights.channel, at: at, sanctions: rights.sanctions, unsettledSince: unsettledSince)
        if draft.urgent, rights.channel.kind != .announcement {
            throw ChamberError(.validationFailed, "only an announcement can be urgent", field: "urgent")
        }
        let data = try validated(draft.data)
        let body = try validatedBody(draft.body, hasOtherContent: !draft.attachments.isEmpty || data != nil)
        let attachments = try await kept(try validated(draft.attachments, in: access.chamberID), channelID: channelID, sender: access.userID)
        if let reply = draft.replyTo {
            guard let parent = try await chat(access).messages.find(id: reply), parent.channelID == channelID else {
                throw ChamberError(.messageNotFound, "reply_to names no message in this channel", field: "reply_to")
            }
        }
        let policy = try await moderation.policy(for: access.chamberID, now: at)
        if access.role < .moderator, let flood = policy.flood, let wait = flood.admit(access.userID, in: channelID, at: at) {
            refused(.floodLimited)
            throw ChamberError(
                .floodLimited, "at most \(flood.limit) messages per \(Int(flood.window)) seconds in a channel; wait \(wait) s",
                retryAfterSeconds: wait)
        }
        let context = ModerationContext(
            chamberID: access.chamberID, channelID: channelID, senderID: access.userID, senderRole: access.role, at: at,
            memberSince: access.memberSince)
        let result = policy.pipeline.run(body, context: context)
        func message(_ text: String) async throws -> Message {
            Message(
                id: .generateOrdered(), chamberID: access.chamberID, channelID: channelID, seq: 0, senderID: access.userID,
                clientMessageID: send.clientID,
                body: text, replyTo: draft.replyTo, mentions: try await mentions(in: text, access), attachments: attachments, data: data,
                createdAt: at, urgent: draft.urgent)
        }
        switch result.decision {
        case .reject(let rule, let code, let reason):
            refused(code)
            throw ChamberError(code, reason, field: rule)
        case .hold(let rule, let reason):
            if !retriesRuledOut, let earlier = try await earlierAnswer(send) { return earlier }
            if let item = try await chat(access).messages.hold(try await message(body), rule: rule, reason: reason) {
                await queue?.announce(item, actor: nil)
            }
            return SendInProgress(at: at, .held(rule: rule, reason: reason), rights: rights)
        case .publish(let text):
            let pending = try chat(access).messages.enqueue(try await message(text))
            let (publisher, messages, sent, changedBy) = (self.publisher, chat(access).messages, draft.body, result.changedBy)
            return SendInProgress(at: at, rights: rights) {
                switch try await pending.stored() {
                case .duplicate(let earlier):
                    return .published(earlier, duplicate: true, rewrite: Rewrite(stored: earlier, sent: sent, rules: []))
                case .heldBefore:
                    guard let held = try await messages.findHeld(channelID, senderID: access.userID, clientMessageID: send.clientID) else {
                        throw ChamberError(.internalError, "a held send was found and then lost")
                    }
                    return try Self.answer(held)
                case .appended(let event):
                    await publisher.publish(event)
                    guard case .message(let stored) = event.body else { throw ChamberError(.internalError, "append returned \(event.kind)") }
                    return .published(stored, duplicate: false, rewrite: Rewrite(stored: stored, sent: sent, rules: changedBy))
                }
            }
        }
    }

    /// Edits a message: its author, or a moderator, staff or admin. The rewrite, if moderation changed the new body,
    /// is for the editor to be told.
    public func edit(_ access: ChamberAccess, messageID: MessageID, body rawBody: String) async throws -> (event: ChannelEvent, rewrite: Rewrite?) {
        var message = try await editableMessage(access, messageID)
        let channel = try await readableChannel(access, message.channelID)
        guard !channel.isArchived else { throw ChamberError(.channelArchived, "channel \(channel.id) is archived") }
        if message.senderID == access.userID {
            guard !channel.isLocked || access.role >= .moderator else {
                throw ChamberError(.channelLocked, "channel \(channel.id) is locked by a moderator")
            }
            try await requireStanding(access, channel, at: now(), slowMode: false)
        }
        let body = try validatedBody(rawBody, hasOtherContent: !message.attachments.isEmpty || message.data != nil)
        let context = ModerationContext(
            chamberID: access.chamberID, channelID: message.channelID, senderID: access.userID, senderRole: access.role, at: now(),
            memberSince: access.memberSince)
        let result = try await moderation.policy(for: access.chamberID, now: now()).pipeline.run(body, context: context)
        switch result.decision {
        case .publish(let text):
            message.body = text
        case .hold(let rule, let reason), .reject(let rule, _, let reason):
            throw ChamberError(.messageRejected, "the edit was refused by moderation: \(reason)", field: rule)
        }
        let text = message.body
        let mentioned = try await mentions(in: text, access)
        let at = now()
        let event = try await chat(access).messages.modify(messageID, at: at) { current in
            guard current.deletedAt == nil else { throw ChamberError(.messageNotFound, "message \(messageID) was deleted") }
            current.body = text
            current.mentions = mentioned
            current.editedAt = at
            return .edited(current)
        }
        await publisher.publish(event)
        return (event, Rewrite(stored: message, sent: rawBody, rules: result.changedBy))
    }

    /// Deletes a message (its body is erased; the event stays so readers learn of it).
    public func delete(_ access: ChamberAccess, messageID: MessageID) async throws -> ChannelEvent {
        _ = try await editableMessage(access, messageID)
        return try await erase(access, messageID: messageID)
    }

    /// Erases a message wherever it is, the caller's right to do so checked already (its author, or a moderator
    /// acting on a report, who need not be in the channel).
    /// Its attachments go with it, and the files uploaded for them: nobody downloads a deleted message's picture.
    func erase(_ access: ChamberAccess, messageID: MessageID) async throws -> ChannelEvent {
        let at = now()
        let attachments = try await chat(access).messages.find(id: messageID)?.attachments ?? []
        let event = try await chat(access).messages.modify(messageID, at: at) { current in
            guard current.deletedAt == nil else { throw ChamberError(.messageNotFound, "message \(messageID) was deleted") }
            current.body = ""
            current.mentions = []
            current.attachments = []
            current.data = nil
            current.deletedAt = at
            return .deleted(current)
        }
        await publisher.publish(event)
        await removeFiles(of: attachments, in: access.chamberID)
        return event
    }

    /// Adds or removes the caller's reaction.
    public func react(_ access: ChamberAccess, messageID: MessageID, emoji rawEmoji: String, add: Bool) async throws -> ChannelEvent? {
        let emoji = rawEmoji.trimmingWhitespace(keepingLineBreaks: true)
        guard !emoji.isEmpty, emoji.count <= 8, !emoji.contains(where: { $0.isWhitespace }),
            !emoji.unicodeScalars.contains(where: Validate.isForbiddenInText)
        else {
            throw ChamberError(.validationFailed, "emoji must be 1 to 8 characters", field: "emoji")
        }
        guard let message = try await chat(access).messages.find(id: messageID), message.deletedAt == nil else {
            throw ChamberError(.messageNotFound, "no message \(messageID)")
        }
        let channel = try await readableChannel(access, message.channelID)
        guard !channel.isArchived else { throw ChamberError(.channelArchived, "channel \(channel.id) is archived") }
        try access.require(.view, .message)
        guard let event = try await chat(access).messages.react(messageID: messageID, userID: access.userID, emoji: emoji, add: add, at: now()) else {
            return nil
        }
        await publisher.publish(event)
        return event
    }

    /// Throws unless the caller may post in the channel now: its rights (``requireWrite(_:_:)``) and their standing
    /// (``requireStanding(_:_:at:slowMode:sanctions:unsettledSince:)``). Sends and uploads for them pass here.
    func requirePosting(
        _ access: ChamberAccess, _ channel: Channel, at: Date, slowMode: Bool = true, sanctions: [Sanction]? = nil, unsettledSince: Date? = nil
    ) async throws {
        try requireWrite(access, channel)
        try access.require(.chat)
        try await requireStanding(access, channel, at: at, slowMode: slowMode, sanctions: sanctions, unsettledSince: unsettledSince)
    }

    /// Refuses a muted or banned member, and one posting faster than the channel's slow mode allows. Nothing
    /// refused is stored; each refusal is counted.
    /// Throws when a sanction silences the caller in the channel, or slow mode holds their next message back.
    /// `known`: the sanctions on the caller in force when their rights were read (each checked again at `at`: it
    /// may have ended since); nil reads them. `unsettledSince` is when the caller's latest send not stored yet was
    /// made (it counts for slow mode as if stored).
    private func requireStanding(
        _ access: ChamberAccess, _ channel: Channel, at: Date, slowMode: Bool = true, sanctions known: [Sanction]? = nil, unsettledSince: Date? = nil
    ) async throws {
        var sanctions = known ?? []
        if known == nil { sanctions = try await store.scoped(to: access.chamberID).moderation.activeSanctions(userID: access.userID, at: at) }
        if let sanction = sanctions.first(where: { $0.isActive(at: at) && $0.silences(in: channel.id) }) {
            let banned = sanction.kind == .ban
            refused(banned ? .userBanned : .userMuted)
            let span = sanction.channelID == nil ? "in this chamber" : "in this channel"
            throw ChamberError(
                banned ? .userBanned : .userMuted,
                banned ? "you are banned from this chamber" : "a moderator muted you \(span)\(sanction.reason.map { ": \($0)" } ?? "")",
                retryAfterSeconds: sanction.secondsLeft(at: at))
        }
        guard slowMode, channel.slowModeSeconds > 0, access.role < .moderator,
            let last = [try await chat(access).messages.lastSent(channel.id, senderID: access.userID), unsettledSince].compactMap({ $0 }).max()
        else { return }
        let wait = Double(channel.slowModeSeconds) - at.timeIntervalSince(last)
        if wait > 0 {
            refused(.slowMode)
            throw ChamberError(
                .slowMode, "slow mode: one message every \(channel.slowModeSeconds) seconds", retryAfterSeconds: max(1, Int(wait.rounded(.up))))
        }
    }

    private func editableMessage(_ access: ChamberAccess, _ id: MessageID) async throws -> Message {
        guard let message = try await chat(access).messages.find(id: id) else { throw ChamberError(.messageNotFound, "no message \(id)") }
        _ = try await readableChannel(access, message.channelID)
        guard message.deletedAt == nil else { throw ChamberError(.messageNotFound, "message \(id) was deleted") }
        guard message.senderID == access.userID || access.can(.delete, .message) else {
            throw ChamberError(.forbidden, "only the author, moderators and admins change a message")
        }
        return message
    }

    // MARK: Reading

    /// A page of messages by sequence.
    public func history(_ access: ChamberAccess, channelID: ChannelID, before: Int64?, after: Int64?, limit: Int?) async throws -> [Message] {
        _ = try await readableChannel(access, channelID)
        let limit = min(max(limit ?? 50, 1), limits.maxHistoryPage)
        return try await chat(access).messages.history(channelID, before: before, after: after, limit: limit)
    }

    /// What a reader who last saw `since` missed, or a plain "refetch" when it is too much.
    public func recover(_ access: ChamberAccess, channelID: ChannelID, since: Int64) async throws -> RecoveryOutcome {
        let channel = try await readableChannel(access, channelID)
        guard since >= 0, since <= channel.lastSeq else {
            return since > channel.lastSeq ? .incomplete(latestSeq: channel.lastSeq) : .events([])
        }
        guard channel.lastSeq - since <= Int64(limits.maxRecoveryEvents) else { return .incomplete(latestSeq: channel.lastSeq) }
        let events = try await chat(access).messages.events(channelID, after: since, limit: limits.maxRecoveryEvents)
        // The stream is gapless by construction; check anyway rather than hand a reader a silent gap.
        var expected = since + 1
        for event in events {
            guard event.seq == expected else { return .incomplete(latestSeq: channel.lastSeq) }
            expected += 1
        }
        return .events(events)
    }

    /// Records how far the caller has read; returns the position stored (never lowered) and the unread count left.
    public func markRead(_ access: ChamberAccess, channelID: ChannelID, seq: Int64) async throws -> (seq: Int64, unread: Int) {
        let channel = try await readableChannel(access, channelID)
        let position = try await chat(access).channels.markRead(
            channelID, userID: access.userID, seq: min(max(seq, 0), channel.lastSeq), at: now(),
            asReader: channel.kind == .announcement)
        try await readObserver?.channelRead(access, channelID: channelID, upTo: position)
        return (position, try await chat(access).channels.unreadCount(channelID, userID: access.userID))
    }

    // MARK: Input

    private func validatedBody(_ raw: String, hasOtherContent: Bool) throws(ChamberError) -> String {
        let body = raw.trimmingWhitespace()
        guard !body.isEmpty || hasOtherContent else { throw ChamberError(.validationFailed, "body must not be empty", field: "body") }
        // Counted in Unicode code points, as JSON Schema's maxLength counts: a body its schema accepts is never refused.
        var count = 0
        for scalar in body.unicodeScalars {
            count += 1
            if Validate.isForbiddenInText(scalar) {
                throw ChamberError(
                    .validationFailed, "body must not contain control characters (U+\(String(scalar.value, radix: 16, uppercase: true)))",
                    field: "body")
            }
        }
        guard count <= limits.maxBodyLength else {
            throw ChamberError(.messageTooLong, "body must have at most \(limits.maxBodyLength) characters", field: "body")
        }
        return body
    }

    /// Measures `data` as JSON; one for every send rather than one made per send.

    private func validated(_ data: JSONValue?) throws(ChamberError) -> JSONValue? {
        guard let data else { return nil }
        guard case .object = data else { throw ChamberError(.validationFailed, "data must be a JSON object", field: "data") }
        guard data.depth <= limits.maxDataDepth else {
            throw ChamberError(.validationFailed, "data nests deeper than \(limits.maxDataDepth) levels", field: "data")
        }
        let size = data.jsonByteCount
        guard size <= limits.maxDataBytes else {
            throw ChamberError(.validationFailed, "data takes \(size) bytes as JSON; at most \(limits.maxDataBytes)", field: "data")
        }
        return data
    }

    private func validated(_ attachments: [Attachment], in chamberID: ChamberID) throws(ChamberError) -> [Attachment] {
        guard attachments.count <= limits.maxAttachments else {
            throw ChamberError(.validationFailed, "at most \(limits.maxAttachments) attachments", field: "attachments")
        }
        return try attachments.map { attachment throws(ChamberError) in
            if attachment.url.hasPrefix("/") {
                // A file of ours: its metadata is filled in from the file itself (``kept(_:channelID:sender:)``).
                guard Self.fileID(in: attachment.url, chamberID: chamberID) != nil else {
                    throw ChamberError(
                        .validationFailed,
                        "an attachment's url is absolute http(s), or /v1/chambers/\(chamberID)/files/{fileId} for a file uploaded here",
                        field: "attachments.url")
                }
                return attachment
            }
            guard let url = try Validate.url(attachment.url, field: "attachments.url") else {
                throw ChamberError(.validationFailed, "attachments need a url", field: "attachments.url")
            }
            let type = try Validate.name(attachment.contentType, field: "attachments.content_type", maxLength: 100)
            guard attachment.size >= 0, attachment.size <= 2 << 30 else {
                throw ChamberError(.validationFailed, "attachment size must be 0 to 2 GiB", field: "attachments.size")
            }
            return Attachment(
                url: url, contentType: type, size: attachment.size,
                name: try Validate.optionalText(attachment.name, field: "attachments.name", maxLength: 200))
        }
    }

    /// Mentions are written `<@USER_ID>` in the body; only members of the chamber count.
    private func mentions(in text: String, _ access: ChamberAccess) async throws -> [UserID] {
        var found: [UserID] = []
        var rest = Substring(text)
        while let open = rest.range(of: "<@") {
            rest = rest[open.upperBound...]
            guard let close = rest.firstIndex(of: ">") else { break }
            if let id = UserID(validating: String(rest[..<close])), !found.contains(id), found.count < 50,
                try await store.scoped(to: access.chamberID).members.find(userID: id) != nil
            {
                found.append(id)
            }
            rest = rest[rest.index(after: close)...]
        }
        return found
    }
}
