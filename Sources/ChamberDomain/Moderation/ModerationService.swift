import Foundation

/// What moderators do: act on members, channels and messages; take reports; decide the review queue.
/// Every action and decision is checked against the permission table and written to the audit log; its effect
/// reaches every node (sanctions and channel changes are announced to every node, whose sockets read the sender's
/// rights again at their next send; bans close sockets through the notifier).
public final class ModerationService: Sendable {
    private let store: any Store
    private let chat: ChatService
    private let publisher: any ChannelEventPublisher
    private let notifier: any ModerationNotifier
    private let queue: ReviewQueueAnnouncer
    private let policies: ModerationPolicies
    private let now: @Sendable () -> Date

    public init(
        store: any Store, chat: ChatService, publisher: any ChannelEventPublisher, notifier: any ModerationNotifier,
        policies: ModerationPolicies, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.policies = policies
        self.chat = chat
        self.publisher = publisher
        self.notifier = notifier
        self.queue = ReviewQueueAnnouncer(store: store, notifier: notifier)
        self.now = now
    }

    // MARK: Actions

    /// Performs an action. `reason` is kept in the audit log and told to the member where they are told.
    public func perform(_ access: ChamberAccess, _ action: ModerationAction, reason rawReason: String?) async throws -> ModerationOutcome {
        try access.require(.update, .moderation)
        let reason = try Validate.optionalText(rawReason, field: "reason", maxLength: 500)
        let scope = store.scoped(to: access.chamberID)
        let at = now()
        var outcome = ModerationOutcome(action: action.name)
        var target: String
        var detail: String?
        switch action {
        case .mute(let user, let channelID, let seconds):
            try await requireSanctionable(access, user)
            if let channelID { _ = try await channel(access, channelID) }
            let sanction = Sanction(
                chamberID: access.chamberID, userID: user, kind: .mute, channelID: channelID, reason: reason, createdBy: access.userID,
                createdAt: at, expiresAt: seconds.map { at.addingTimeInterval(TimeInterval($0)) })
            try await scope.moderation.addSanction(sanction)
            await notifier.notify(
                ModerationNotice(
                    kind: .muted, chamberID: access.chamberID, userID: user, channelID: channelID, reason: reason, until: sanction.expiresAt))
            outcome.sanction = sanction
            (target, detail) = ("user:\(user)", Self.describe(channelID, seconds))
        case .unmute(let user, let channelID):
            outcome.lifted = try await scope.moderation.liftSanctions(userID: user, kind: .mute, channelID: channelID, at: at, by: access.userID)
            if !outcome.lifted.isEmpty {
                await notifier.notify(
                    ModerationNotice(kind: .unmuted, chamberID: access.chamberID, userID: user, channelID: channelID, reason: reason))
            }
            (target, detail) = ("user:\(user)", Self.describe(channelID, nil))
        case .kick(let user, let channelID, let seconds):
            try await requireSanctionable(access, user)
            let channel = try await channel(access, channelID)
            guard channel.kind == .group || channel.kind == .event else {
                throw ChamberError(.validationFailed, "members are kicked from groups and event rooms; mute them elsewhere", field: "channel_id")
            }
            guard try await scope.channels.removeMember(channelID, userID: user) else {
                throw ChamberError(.memberNotFound, "user \(user) is not in channel \(channelID)", field: "user_id")
            }
            // Announced as soon as it is stored, before anything below may fail: their subscriptions end on every
            // node, the rights their sockets kept are forgotten, and their channel lists change.
            await publisher.channelChanged(channel, members: [user], revoked: true)
            let sanction = Sanction(
                chamberID: access.chamberID, userID: user, kind: .kick, channelID: channelID, reason: reason, createdBy: access.userID,
                createdAt: at, expiresAt: seconds.map { at.addingTimeInterval(TimeInterval($0)) })
            try await scope.moderation.addSanction(sanction)
            await notifier.notify(
                ModerationNotice(
                    kind: .kicked, chamberID: access.chamberID, userID: user, channelID: channelID, reason: reason, until: sanction.expiresAt))
            outcome.sanction = sanction
            outcome.channel = channel
            (target, detail) = ("user:\(user)", Self.describe(channelID, seconds))
        case .ban(let user, let seconds):
            try await requireSanctionable(access, user)
            let sanction = Sanction(
                chamberID: access.chamberID, userID: user, kind: .ban, channelID: nil, reason: reason, createdBy: access.userID,
                createdAt: at, expiresAt: seconds.map { at.addingTimeInterval(TimeInterval($0)) })
            try await scope.moderation.addSanction(sanction)
            await notifier.notify(
                ModerationNotice(kind: .banned, chamberID: access.chamberID, userID: user, reason: reason, until: sanction.expiresAt))
            await notifier.banned(userID: user, chamberID: access.chamberID)
            outcome.sanction = sanction
            (target, detail) = ("user:\(user)", Self.describe(nil, seconds))
        case .unban(let user):
            outcome.lifted = try await scope.moderation.liftSanctions(userID: user, kind: .ban, channelID: nil, at: at, by: access.userID)
            (target, detail) = ("user:\(user)", nil)
        case .lock(let channelID), .unlock(let channelID):
            var channel = try await channel(access, channelID)
            let locking = if case .lock = action { true } else { false }
            if channel.isLocked != locking {
                channel.lockedAt = locking ? at : nil
                try await scope.channels.update(channel)
            }
            await publisher.channelChanged(channel, members: [], revoked: false)
            outcome.channel = channel
            (target, detail) = ("channel:\(channelID)", nil)
        case .slowMode(let channelID, let seconds):
            var channel = try await channel(access, channelID)
            channel.slowModeSeconds = seconds
            try await scope.channels.update(channel)
            await publisher.channelChanged(channel, members: [], revoked: false)
            outcome.channel = channel
            (target, detail) = ("channel:\(channelID)", seconds == 0 ? "off" : "\(seconds)s")
        case .deleteMessage(let messageID):
            guard let message = try await scope.messages.find(id: messageID) else {
                throw ChamberError(.messageNotFound, "no message \(messageID)", field: "message_id")
            }
            guard message.deletedAt == nil else { throw ChamberError(.messageNotFound, "message \(messageID) was deleted", field: "message_id") }
            let event = try await chat.erase(access, messageID: messageID)
            if message.senderID != access.userID {
                await notifier.notify(
                    ModerationNotice(
                        kind: .messageRemoved, chamberID: access.chamberID, userID: message.senderID, channelID: message.channelID,
                        messageID: messageID, reason: reason))
            }
            outcome.seq = event.seq
            (target, detail) = ("message:\(messageID)", "in channel:\(message.channelID) by user:\(message.senderID)")
        }
        try await scope.auditLog.append(
            AuditEntry(
                chamberID: access.chamberID, actorID: access.userID, action: "moderation.\(action.name)",
                target: target, detail: detail, reason: reason, at: at))
        return outcome
    }

    /// The sanctions in force.
    public func sanctions(_ access: ChamberAccess, page: PageRequest) async throws -> Page<Sanction> {
        try access.require(.view, .moderation)
        return try await store.scoped(to: access.chamberID).moderation.activeSanctions(at: now(), page: page)
    }

    // MARK: The chamber's rules

    /// A chamber's own settings (what it sets in place of the node's defaults) and the settings in force.
    public struct Rules: Sendable, Equatable {
        public let own: ModerationSettings
        public let effective: ModerationSettings
        /// How many words the list holds in force (the node's and the chamber's).
        public let wordCount: Int
    }

    /// Moderators, staff and admins read them.
    public func rules(_ access: ChamberAccess) async throws -> Rules {
        try access.require(.view, .moderation)
        let own = try await store.scoped(to: access.chamberID).moderation.settings() ?? ModerationSettings()
        var (effective, words) = policies.effective(own)
        effective.words = own.words
        return Rules(own: own, effective: effective, wordCount: Set(words.filter { !$0.isEmpty && !$0.hasPrefix("#") }).count)
    }

    /// Admins replace the chamber's own settings (fields left out run the defaults). Checked by building them:
    /// an unworkable rule is refused with `invalid_moderation_rule` naming the field, and nothing is stored.
    public func setRules(_ access: ChamberAccess, _ own: ModerationSettings) async throws -> Rules {
        try access.require(.update, .chamberSettings)
        try policies.validate(own)
        let at = now()
        let scope = store.scoped(to: access.chamberID)
        try await scope.moderation.saveSettings(own, by: access.userID, at: at)
        policies.invalidate(access.chamberID)
        try await scope.auditLog.append(
            AuditEntry(
                chamberID: access.chamberID, actorID: access.userID, action: "moderation.settings_changed",
                target: "chamber:\(access.chamberID)", detail: Self.summary(own), at: at))
        return try await rules(access)
    }

    private static func summary(_ own: ModerationSettings) -> String {
        var parts: [String] = []
        if let links = own.links { parts.append("links \(links.policy)") }
        if let mentions = own.mentions { parts.append("mentions ≤ \(mentions.max)") }
        if own.shouting != nil { parts.append("shouting") }
        if let patterns = own.patterns { parts.append("\(patterns.count) patterns") }
        if let flood = own.flood { parts.append("flood \(flood.messages)/\(flood.windowSeconds)s") }
        if let words = own.words { parts.append("\(words.count) words") }
        if let action = own.wordListAction { parts.append("word list \(action)") }
        return parts.isEmpty ? "defaults" : parts.joined(separator: ", ")
    }

    // MARK: Reports and review

    /// A member reports a message they can read; it lands in the review queue and moderators see it at once.
    public func report(_ access: ChamberAccess, messageID: MessageID, reason rawReason: String) async throws -> ReviewItem {
        try access.require(.view, .message)
        let reason = try Validate.name(rawReason, field: "reason", maxLength: 500)
        let scope = store.scoped(to: access.chamberID)
        guard let message = try await scope.messages.find(id: messageID), message.deletedAt == nil else {
            throw ChamberError(.messageNotFound, "no message \(messageID)", field: "message_id")
        }
        _ = try await chat.readableChannel(access, message.channelID)
        guard message.senderID != access.userID else {
            throw ChamberError(.validationFailed, "you cannot report your own message", field: "message_id")
        }
        let at = now()
        let item = try await scope.moderation.report(message, reporterID: access.userID, reason: reason, at: at)
        await scope.emit([.reported(item, by: access.userID, reason: reason, at: at)], target: "review_item:\(item.id)", at: at)
        await queue.announce(item, actor: access.userID)
        return item
    }

    /// The review queue: `pending` by default, oldest first.
    public func queue(_ access: ChamberAccess, state: ReviewItem.State?, page: PageRequest) async throws -> Page<ReviewItem> {
        try access.require(.view, .moderation)
        return try await store.scoped(to: access.chamberID).moderation.queue(state: state, page: page)
    }

    /// Approves or rejects a pending item. Approving a held message publishes it at the channel's next sequence
    /// (its author is told where); rejecting it tells the author why. Approving a report keeps the message;
    /// rejecting it deletes the message.
    public func decide(_ access: ChamberAccess, itemID: ReviewItemID, approve: Bool, note rawNote: String?) async throws -> ReviewItem {
        try access.require(.update, .moderation)
        let note = try Validate.optionalText(rawNote, field: "reason", maxLength: 500)
        let scope = store.scoped(to: access.chamberID)
        guard let pending = try await scope.moderation.item(id: itemID) else { throw ChamberError(.reviewItemNotFound, "no review item \(itemID)") }
        guard pending.state == .pending else { throw ChamberError(.alreadyDecided, "review item \(itemID) was \(pending.state.rawValue) already") }
        let at = now()
        var published: ChannelEvent?
        if approve, pending.kind == .held {
            let channel = try await channel(access, pending.channelID)
            guard !channel.isArchived else { throw ChamberError(.channelArchived, "channel \(channel.id) is archived") }
            guard let message = try await scope.moderation.heldMessage(itemID: itemID) else {
                throw ChamberError(.reviewItemNotFound, "held message \(itemID) is gone")
            }
            // Decided first: of two moderators approving at once, one publishes.
            let item = try await scope.moderation.decide(itemID, state: .approved, by: access.userID, at: at, note: note)
            let appended: AppendOutcome
            do {
                appended = try await scope.messages.append(
                    Message(
                        id: message.id, chamberID: message.chamberID, channelID: message.channelID, seq: 0, senderID: message.senderID,
                        clientMessageID: message.clientMessageID, body: message.body, replyTo: message.replyTo,
                        mentions: message.mentions, attachments: message.attachments, data: message.data, createdAt: at,
                        urgent: message.urgent))
            } catch {
                // Not published: the item goes back to the queue rather than stay approved with its message unseen.
                try? await scope.moderation.reopen(itemID, decidedBy: access.userID, at: at)
                throw error
            }
            switch appended {
            case .appended(let event):
                published = event
                await publisher.publish(event)
            case .duplicate, .heldBefore:
                break
            }
            try await finish(access, item, at: at)
            await notifier.notify(
                ModerationNotice(
                    kind: .heldApproved, chamberID: access.chamberID, userID: item.authorID, channelID: item.channelID,
                    messageID: item.messageID, clientMessageID: message.clientMessageID, seq: published?.seq))
            return item
        }
        if !approve, pending.kind == .report {
            if let message = try await scope.messages.find(id: pending.messageID), message.deletedAt == nil {
                _ = try await chat.erase(access, messageID: pending.messageID)
                await notifier.notify(
                    ModerationNotice(
                        kind: .messageRemoved, chamberID: access.chamberID, userID: pending.authorID, channelID: pending.channelID,
                        messageID: pending.messageID, reason: note ?? pending.reason))
            }
        }
        let item = try await scope.moderation.decide(itemID, state: approve ? .approved : .rejected, by: access.userID, at: at, note: note)
        if !approve, item.kind == .held {
            let held = try await scope.moderation.heldMessage(itemID: itemID)
            // Never to be published: the files uploaded for it go, as a deleted message's do.
            await chat.removeFiles(of: held?.attachments ?? [], in: access.chamberID)
            await notifier.notify(
                ModerationNotice(
                    kind: .heldRejected, chamberID: access.chamberID, userID: item.authorID, channelID: item.channelID,
                    clientMessageID: held?.clientMessageID, reason: note ?? item.reason))
        }
        try await finish(access, item, at: at)
        return item
    }

    private func finish(_ access: ChamberAccess, _ item: ReviewItem, at: Date) async throws {
        try await store.scoped(to: access.chamberID).auditLog.append(
            AuditEntry(
                chamberID: access.chamberID, actorID: access.userID, action: "moderation.\(item.kind.rawValue)_\(item.state.rawValue)",
                target: "message:\(item.messageID)", detail: "review item \(item.id) in channel:\(item.channelID) by user:\(item.authorID)",
                reason: item.decisionNote, at: at))
        await queue.announce(item, actor: access.userID)
    }

    // MARK: Checks

    /// Only members below the actor's rank can be sanctioned, and nobody sanctions themselves.
    private func requireSanctionable(_ access: ChamberAccess, _ user: UserID) async throws {
        guard user != access.userID else { throw ChamberError(.forbidden, "you cannot sanction yourself", field: "user_id") }
        guard let member = try await store.scoped(to: access.chamberID).members.find(userID: user) else {
            throw ChamberError(.memberNotFound, "no member \(user) in this chamber", field: "user_id")
        }
        guard member.membership.role < access.role else {
            throw ChamberError(.forbidden, "a \(access.role.rawValue) cannot sanction a \(member.membership.role.rawValue)", field: "user_id")
        }
    }

    private func channel(_ access: ChamberAccess, _ id: ChannelID) async throws -> Channel {
        guard let channel = try await store.scoped(to: access.chamberID).channels.find(id: id) else {
            throw ChamberError(.channelNotFound, "no channel \(id)", field: "channel_id")
        }
        return channel
    }

    private static func describe(_ channel: ChannelID?, _ seconds: Int?) -> String {
        "\(channel.map { "in channel:\($0)" } ?? "chamber-wide"), \(seconds.map { "for \($0)s" } ?? "until lifted")"
    }
}
