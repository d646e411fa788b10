import Foundation

public typealias PushJobID = Identifier<PushJob>

/// One push to one device, as the outbox holds it: written in the transaction that records the notification, sent
/// by whichever node claims it (the node whose fan-out wrote it claims it in that transaction, see ``PushClaim``).
///
/// A burst in one channel grows the device's job that is not claimed (`count`, newest message): one waiting for a
/// retry, or written by a fan-out that hands its jobs to no dispatcher. Messages that one fan-out pass covers make one
/// job per device and channel in any case, so a member offline through a busy hour gets a push per pass, not per
/// message, each with the channel's collapse key (the phone shows the newest).
public struct PushJob: Sendable, Equatable {
    public let id: PushJobID
    public let chamberID: ChamberID
    public let userID: UserID
    public let deviceID: DeviceID
    /// The messages' channel; nil for a notice's push.
    public let channelID: ChannelID?
    public let category: NotificationCategory
    /// The newest message's sequence (0 for a notice) and id: a read of the channel up to `seq` makes the push pointless.
    public var seq: Int64
    public var messageID: MessageID?
    /// What a notice's push is about; nil for messages.
    public let subject: NotificationSubject?
    /// The newest message's author, and the channel's name (or the author's, in a direct channel).
    public var actorName: String
    public var title: String
    /// The newest message's first ``Notification/textLimit`` characters.
    public var text: String
    public var count: Int
    /// Whether the member lets pushes show what was written (off: "New message from Ada").
    public var preview: Bool
    /// An announcement the chamber marked urgent: sent at high priority.
    public var urgent: Bool
    /// Sends made so far, this one included once claimed.
    public var attempts: Int
    public let createdAt: Date

    public init(
        id: PushJobID, chamberID: ChamberID, userID: UserID, deviceID: DeviceID, channelID: ChannelID?, category: NotificationCategory,
        seq: Int64, messageID: MessageID?, subject: NotificationSubject? = nil, actorName: String, title: String, text: String, count: Int,
        preview: Bool, urgent: Bool, attempts: Int = 0, createdAt: Date
    ) {
        self.id = id
        self.chamberID = chamberID
        self.userID = userID
        self.deviceID = deviceID
        self.channelID = channelID
        self.category = category
        self.seq = seq
        self.messageID = messageID
        self.subject = subject
        self.actorName = actorName
        self.title = title
        self.text = text
        self.count = count
        self.preview = preview
        self.urgent = urgent
        self.attempts = attempts
        self.createdAt = createdAt
    }
}

/// A job a worker holds, with what it needs to decide and address the push, read just before its batch leaves (when
/// the batch is claimed, or when the fan-out that wrote it commits).
public struct ClaimedPush: Sendable, Equatable {
    public var job: PushJob
    /// The device, if it still exists and its session is active.
    public var address: PushAddress?
    /// How far the member has read the channel: at or past the job's `seq`, the push is not sent.
    public var readSeq: Int64
    /// The member's unread notifications in every chamber they belong to: the badge.
    public var unreadCount: Int

    public init(job: PushJob, address: PushAddress?, readSeq: Int64, unreadCount: Int) {
        self.job = job
        self.address = address
        self.readSeq = readSeq
        self.unreadCount = unreadCount
    }
}

/// A claim written with the jobs it holds: the fan-out's transaction inserts its push jobs already claimed for the
/// node that runs it, so that node's dispatcher sends them the moment the transaction commits, with no claim of its
/// own to read them back. Like any claim, it lapses at `until` unless renewed, and another node then claims the jobs.
public struct PushClaim: Sendable, Equatable {
    public let token: String
    public let until: Date

    public init(token: String, until: Date) {
        self.token = token
        self.until = until
    }
}

/// How a claimed job ends, or when it is tried again.
public enum PushJobResult: Sendable, Equatable {
    /// The provider accepted it.
    case sent
    /// Not sent, and not to be: read meanwhile, device removed, session ended.
    case cancelled(reason: String)
    /// Tried again at `at` (not before).
    case retry(at: Date, error: String)
    /// Given up: attempts exhausted or refused for good. Kept for admins to see.
    case deadLettered(error: String)
    /// The provider said the device is gone; the device is removed with it.
    case deviceGone(error: String)
}

/// Pushes by provider and how they ended, for the admin view.
public struct PushCounts: Sendable, Equatable {
    public var sent = 0
    /// Sends that failed and were scheduled again.
    public var retried = 0
    public var deadLettered = 0
    public var tokensRemoved = 0
    public var cancelled = 0
    public var pending = 0

    public init(sent: Int = 0, retried: Int = 0, deadLettered: Int = 0, tokensRemoved: Int = 0, cancelled: Int = 0, pending: Int = 0) {
        self.sent = sent
        self.retried = retried
        self.deadLettered = deadLettered
        self.tokensRemoved = tokensRemoved
        self.cancelled = cancelled
        self.pending = pending
    }

    /// Sends that did not reach the device: dead letters and removed tokens.
    public var failed: Int { deadLettered + tokensRemoved }
}

/// A push the outbox gave up on, as admins see it.
public struct DeadLetter: Sendable, Equatable {
    public let job: PushJob
    public let platform: DevicePlatform
    public let error: String
    public let finishedAt: Date

    public init(job: PushJob, platform: DevicePlatform, error: String, finishedAt: Date) {
        self.job = job
        self.platform = platform
        self.error = error
        self.finishedAt = finishedAt
    }
}

/// The durable push outbox. Jobs are added by ``NotificationFanoutStore/record(_:in:at:claim:)`` in the notifications'
/// own transaction; workers on any node claim them for a lease, so each is sent by one worker at a time.
public protocol PushOutboxStore: Sendable {
    /// Claims up to `limit` jobs due at `instant` that no live lease holds, for `lease` seconds under `claim`,
    /// counting the attempt. A job whose previous claimant died (its lease ran out) is claimed again.
    func claim(limit: Int, at instant: Date, lease: TimeInterval, claim: String) async throws -> [ClaimedPush]
    /// Extends the lease of the jobs `claim` still holds (those no other claim took since) to `until`; returns them.
    @discardableResult
    func renew(claim: String, until: Date) async throws -> [PushJobID]
    /// The jobs among `ids` that `claim` still holds, read as a claim reads them: for sending them.
    func held(_ ids: [PushJobID], by claim: String, at instant: Date) async throws -> [ClaimedPush]
    /// Ends or reschedules jobs, those `claim` still holds (a claimant whose lease ran out changes nothing), in one
    /// transaction. ``PushJobResult/deviceGone(error:)`` also removes the device.
    func finish(_ results: [(id: PushJobID, result: PushJobResult)], claim: String, at instant: Date) async throws
    /// When the earliest pending job is due, if any.
    func nextDue() async throws -> Date?
    /// The chamber's pushes by provider.
    func counts(in chamber: ChamberID) async throws -> [DevicePlatform: PushCounts]
    /// The chamber's dead letters, newest first.
    func deadLetters(in chamber: ChamberID, page: PageRequest) async throws -> Page<DeadLetter>
    /// Forgets finished jobs that ended before `instant` (dead letters are kept longer by the caller's choice).
    func prune(finishedBefore instant: Date, deadLettersBefore: Date) async throws -> Int
}
