import Foundation

/// Turns stored messages into notifications, channel by channel, in sequence order.
///
/// A pass reads the backlogs of many channels of one chamber at once (what is past how far each was notified),
/// decides per recipient by their preferences (``NotificationPolicy``), and records each channel's notifications
/// together with its new notified sequence in one transaction, in which a channel counts only if no other worker
/// moved its sequence meanwhile. So every stored message is notified exactly once, by whichever node gets there
/// first, including after a crash (the next pass starts where each channel's last committed transaction left it).
/// Under load a pass covers every channel that got messages while the previous one ran, so its statements are
/// shared by many messages.
///
/// A pass's channels are recorded a few at a time (``transactions(of:budget:)``): on SQLite a transaction holds the
/// one writer, and sends waiting for it must not wait for a whole pass. One channel with many recipients (an
/// announcement to a large chamber) is still one transaction, however long.
public final class NotificationFanout: Sendable {
    private let store: any Store
    private let delivery: any NotificationDelivery
    private let now: @Sendable () -> Date
    private let pushes: PushHandOff
    private let emailDelay: TimeInterval
    /// Notifications recorded per transaction (``transactions(of:budget:)``).
    private let transactionBudget: Int
    /// Sequence numbers taken per channel and pass.
    public static let passLimit: Int64 = 200
    /// Channels taken per pass.
    public static let channelsPerPass = 200
    /// Notifications grown or added per transaction (a channel's are never split: a channel with more has one of
    /// its own). `LoadTests/RESULTS.md` has the measure: direct at 5,000 sends/s, whole passes in one transaction held
    /// SQLite's writer for 37 ms on average and put send→ack p99 at half a second; in transactions of 32, 64 or 96
    /// notifications it was 41–86 ms (64 the best, on PostgreSQL too). Smaller ones cost more CPU per send at lower
    /// rates (more commits).
    public static let additionsPerTransaction = 64

    /// `passes` in the groups that are each recorded in one transaction, in order: as many channels as fit in
    /// ``additionsPerTransaction`` notifications (a channel with nothing to add counts one, for its cursor), a channel
    /// with more alone.
    public static func transactions(of passes: [ChannelPass], budget: Int = additionsPerTransaction) -> [[ChannelPass]] {
        var groups: [[ChannelPass]] = []
        var current: [ChannelPass] = []
        var weight = 0
        for pass in passes {
            let cost = max(1, pass.additions.count)
            if !current.isEmpty, weight + cost > budget {
                groups.append(current)
                current = []
                weight = 0
            }
            current.append(pass)
            weight += cost
        }
        if !current.isEmpty { groups.append(current) }
        return groups
    }

    /// - Parameters:
    ///   - pushes: where the push jobs of each of a pass's transactions go once it commits.
    ///   - emailDelay: how long after a notification an `immediate` member's e-mail waits, so that a burst makes one
    ///     mail.
    ///   - transactionBudget: notifications recorded per transaction (``additionsPerTransaction``).
    public init(
        store: any Store, delivery: any NotificationDelivery, now: @escaping @Sendable () -> Date = Date.init,
        pushes: PushHandOff = .unclaimed(wake: {}), emailDelay: TimeInterval = 60, transactionBudget: Int = additionsPerTransaction
    ) {
        self.transactionBudget = transactionBudget
        self.store = store
        self.delivery = delivery
        self.now = now
        self.pushes = pushes
        self.emailDelay = emailDelay
    }

    /// Passes over every channel with work, until none is left or `budget` passes were made. Returns the channels moved.
    @discardableResult
    public func drain(budget: Int = 50) async throws -> Int {
        var moved = 0
        for _ in 0..<budget {
            let pending = try await store.notificationFanout.pendingChannels(limit: Self.channelsPerPass)
            guard !pending.isEmpty else { break }
            var progressed = 0
            for (chamber, channels) in Dictionary(grouping: pending, by: \.chamberID) {
                progressed += try await process(chamberID: chamber, channelIDs: channels.map(\.channelID)).moved
            }
            moved += progressed
            // Work that another worker holds is not ours to wait for.
            if progressed == 0 { break }
        }
        return moved
    }

    /// What a pass did: the channels it moved on, and those with more to do than one pass takes.
    public struct Progress: Sendable, Equatable {
        public var moved = 0
        public var unfinished: [ChannelID] = []
    }

    /// One pass over some channels of one chamber.
    @discardableResult
    public func process(chamberID: ChamberID, channelIDs: [ChannelID]) async throws -> Progress {
        var progress = Progress()
        for chunk in stride(from: 0, to: channelIDs.count, by: Self.channelsPerPass) {
            let part = Array(channelIDs[chunk..<min(chunk + Self.channelsPerPass, channelIDs.count)])
            let backlogs = try await store.notificationFanout.backlogs(of: part, in: chamberID, limit: Int(Self.passLimit))
                .filter { $0.upTo > $0.notifiedSeq }
            guard !backlogs.isEmpty else { continue }
            let instant = now()
            let scope = store.scoped(to: chamberID)
            let chamberChoices = try await scope.notificationSettings.chamberChoices()
            let live = backlogs.map { (backlog: $0, messages: $0.messages.filter { $0.deletedAt == nil }) }
            // What the pass's channels need is read once for all of them (a few statements, not a few per channel):
            // the DMs' members, then the recipients' choices and mutes, and the authors' names.
            let directMembers = try await scope.chat.channels.members(
                ofEach: live.filter { !$0.messages.isEmpty && $0.backlog.channel.kind == .direct }.map(\.backlog.channel.id))
            var recipients: [ChannelID: Recipients] = [:]
            for (backlog, messages) in live where !messages.isEmpty {
                recipients[backlog.channel.id] = try await Recipients(
                    channel: backlog.channel, messages: messages, chamberChoices: chamberChoices, scope: scope,
                    directMembers: directMembers[backlog.channel.id] ?? [])
            }
            let users = Array(recipients.values.reduce(into: Set<UserID>()) { $0.formUnion($1.all) })
            let readAhead = ReadAhead(
                chamberChoices: chamberChoices, memberChoices: try await scope.notificationSettings.memberChoices(of: users),
                mutes: try await scope.notificationSettings.mutes(by: users, in: Set(recipients.keys)),
                names: try await store.users.find(ids: live.flatMap { $0.messages.map(\.senderID) }).mapValues(\.displayName))
            var passes: [ChannelPass] = []
            for (backlog, messages) in live {
                let additions = recipients[backlog.channel.id].map { self.additions(for: messages, to: $0, readAhead: readAhead, at: instant) } ?? []
                passes.append(ChannelPass(channelID: backlog.channel.id, from: backlog.notifiedSeq, to: backlog.upTo, additions: additions))
                if backlog.upTo < backlog.channel.lastSeq { progress.unfinished.append(backlog.channel.id) }
            }
            for group in Self.transactions(of: passes, budget: transactionBudget) {
                // The lease from now, not from the pass's start: the reads before it took some of it.
                let claim = pushes.claim(now())
                let recorded = try await store.notificationFanout.record(group, in: chamberID, at: instant, claim: claim)
                progress.moved += group.count
                // Pushes leave before the live frames: a phone is the slower way to reach someone.
                if let claim, !recorded.claimedPushes.isEmpty { pushes.send(recorded.claimedPushes, claim) }
                if recorded.pushesQueued > 0 { pushes.wake() }
                for change in recorded.changes { await delivery.delivered(change) }
            }
        }
        return progress
    }

    /// Who is told of what in one channel: per member and category, how many messages and the newest.
    private func additions(for messages: [Message], to recipients: Recipients, readAhead: ReadAhead, at instant: Date) -> [FeedAddition] {
        let channel = recipients.channel
        let mutes = readAhead.mutes[channel.id] ?? [:]

        struct Key: Hashable {
            let user: UserID
            let category: NotificationCategory
        }
        var grown: [Key: (count: Int, newest: Message, inApp: Bool, push: Bool, preview: Bool, urgent: Bool, emailDue: Date?)] = [:]
        var order: [Key] = []
        // Each recipient's preferences and connection, found once per pass (not once per message).
        var known: [UserID: (preferences: NotificationPreferences, connected: Bool)] = [:]
        for message in messages {
            let urgent = message.urgent && channel.kind == .announcement
            for (user, category, named) in recipients.of(message) {
                let (preferences, connected) =
                    known[user]
                    ?? (
                        NotificationPreferences.member(
                            chamber: readAhead.chamberChoices, member: readAhead.memberChoices[user] ?? NotificationChoices(),
                            mutes: mutes[user].map { [$0] } ?? [], at: instant), delivery.isConnected(user, in: channel.chamberID)
                    )
                known[user] = (preferences, connected)
                let decision = NotificationPolicy.decide(
                    NotificationIntent(category: category, channelID: channel.id, namesRecipient: named, urgent: urgent), for: preferences,
                    connected: connected, at: instant)
                guard decision.inApp || decision.push else { continue }
                // The e-mail lists the member's unread feed: only what reaches the feed is mailed.
                let emailDue =
                    decision.inApp ? decision.email?.due(at: instant, digest: preferences.emailDigest, immediateDelay: emailDelay) : nil
                let key = Key(user: user, category: category)
                if let earlier = grown[key] {
                    grown[key] = (
                        earlier.count + 1, message, earlier.inApp || decision.inApp, earlier.push || decision.push, earlier.preview,
                        earlier.urgent || (urgent && decision.push), [earlier.emailDue, emailDue].compactMap { $0 }.min()
                    )
                } else {
                    grown[key] = (1, message, decision.inApp, decision.push, preferences.preview, urgent && decision.push, emailDue)
                    order.append(key)
                }
            }
        }
        var additions: [FeedAddition] = []
        for key in order {
            guard let (count, newest, inApp, push, preview, urgent, emailDue) = grown[key] else { continue }
            let author = readAhead.names[newest.senderID] ?? ""
            let title = channel.kind == .direct ? author : channel.name ?? ""
            // Pushes say who wrote.
            let actorName = push ? author : ""
            additions.append(
                FeedAddition(
                    userID: key.user, category: key.category, channelID: channel.id, newest: newest, title: title, count: count,
                    inApp: inApp, push: push ? PushAddition(actorName: actorName, preview: preview, urgent: urgent) : nil, emailDue: emailDue))
        }
        return additions
    }
}

/// What a pass reads once for all its channels.
private struct ReadAhead {
    let chamberChoices: NotificationChoices
    /// The recipients' own choices (absent: they chose nothing).
    let memberChoices: [UserID: NotificationChoices]
    /// The recipients' mutes of the pass's channels, by channel and user.
    let mutes: [ChannelID: [UserID: ChannelMute]]
    /// The display names of the messages' authors (absent: the account is gone).
    let names: [UserID: String]
}

/// Who a pass over one channel may notify, and of which category each message is to each of them.
private struct Recipients {
    let channel: Channel
    /// Everyone who reads the channel and may be told of ordinary messages in it.
    let readers: [UserID]
    /// Users the messages name (mentions, authors of messages replied to) who read the channel.
    let named: [MessageID: Set<UserID>]
    /// In an event's live room, the owners (its organisers) among the messages' authors: what they post reaches
    /// every member of the room.
    let organisers: Set<UserID>
    /// Every member of an event room with an organiser's message in this pass; empty otherwise.
    let attendees: [UserID]

    /// - Parameter directMembers: a DM's members (read for every DM of the pass at once); unused for other kinds.
    init(
        channel: Channel, messages: [Message], chamberChoices: NotificationChoices, scope: any ChamberScopedStore, directMembers: [ChannelMember]
    ) async throws {
        self.channel = channel
        let channels = scope.chat.channels
        switch channel.kind {
        case .direct:
            readers = directMembers.filter { $0.role != .reader }.map(\.userID)
        case .announcement:
            readers = try await scope.members.userIDs()
        case .group, .event:
            // Ordinary traffic reaches those whose level for it is not none: everyone in the channel when the chamber
            // turned it on, otherwise only members who chose something themselves (a busy room costs nothing else).
            let chamberLevels = NotificationPreferences.chamberDefaults(chamberChoices)
            if DeliveryChannel.allCases.contains(where: { chamberLevels.level(.channelMessages, on: $0) != .none }) {
                readers = try await Self.members(of: channel.id, in: channels)
            } else {
                var users: [UserID] = []
                for user in try await scope.notificationSettings.usersWithChoices()
                where try await channels.member(channel.id, userID: user) != nil {
                    users.append(user)
                }
                readers = users
            }
        }
        var named: [MessageID: Set<UserID>] = [:]
        if channel.kind == .group || channel.kind == .event {
            var reads: [UserID: Bool] = [:]
            for message in messages {
                var users = Set(message.mentions)
                if let replied = message.replyTo, let original = try await scope.chat.messages.find(id: replied) {
                    users.insert(original.senderID)
                }
                var readable: Set<UserID> = []
                for user in users {
                    if reads[user] == nil { reads[user] = try await channels.member(channel.id, userID: user) != nil }
                    if reads[user] == true { readable.insert(user) }
                }
                named[message.id] = readable
            }
        }
        self.named = named
        // A busy room's members are read only for a pass that has an organiser's message.
        organisers = channel.kind == .event ? Set(try await channels.owners(of: channel.id)).intersection(messages.map(\.senderID)) : []
        attendees = organisers.isEmpty ? [] : try await Self.members(of: channel.id, in: channels)
    }

    var all: Set<UserID> { Set(readers).union(named.values.flatMap { $0 }).union(attendees) }

    /// The recipients of one message: user, category, and whether it names them. Never its author.
    func of(_ message: Message) -> [(UserID, NotificationCategory, Bool)] {
        switch channel.kind {
        case .direct:
            return readers.filter { $0 != message.senderID }.map { ($0, .directMessages, message.mentions.contains($0)) }
        case .announcement:
            return readers.filter { $0 != message.senderID }.map { ($0, .announcements, message.mentions.contains($0)) }
        case .event where organisers.contains(message.senderID):
            return attendees.filter { $0 != message.senderID }.map { ($0, .events, message.mentions.contains($0)) }
        case .group, .event:
            let named = self.named[message.id] ?? []
            let mentioned = named.filter { $0 != message.senderID }.sorted().map { ($0, NotificationCategory.mentions, true) }
            let ordinary = readers.filter { $0 != message.senderID && !named.contains($0) }.map { ($0, NotificationCategory.channelMessages, false) }
            return mentioned + ordinary
        }
    }

    private static func members(of channel: ChannelID, in channels: any ChannelStore) async throws -> [UserID] {
        try await Page.collect { try await channels.members(channel, page: $0) }.filter { $0.role != .reader }.map(\.userID)
    }
}
