import ChamberDomain
import Foundation

/// The push outbox in SQL. Jobs are inserted by ``SQLNotificationFanoutStore`` in its transaction (``enqueue``).
struct SQLPushOutboxStore: PushOutboxStore {
    let db: any SQLDatabase

    static let columns = """
        o.id, o.chamber_id, o.user_id, o.device_id, o.platform, o.channel_id, o.category, o.seq, o.message_id, o.actor_name, o.title,
        o.text, o.count, o.preview, o.urgent, o.attempts, o.created_at, o.subject_kind, o.subject_id
        """

    static func job(_ row: SQLRow) throws -> PushJob {
        guard let category = NotificationCategory(rawValue: try row.string("category")) else {
            throw StorageError.typeMismatch("category", "a notification category")
        }
        return PushJob(
            id: try row.id("id"), chamberID: try row.id("chamber_id"), userID: try row.id("user_id"), deviceID: try row.id("device_id"),
            channelID: try row.optionalID("channel_id"), category: category, seq: try row.int("seq"), messageID: try row.optionalID("message_id"),
            subject: try SQLNotificationFeedStore.subject(row), actorName: try row.string("actor_name"), title: try row.string("title"),
            text: try row.string("text"),
            count: Int(try row.int("count")), preview: try row.bool("preview"), urgent: try row.bool("urgent"),
            attempts: Int(try row.int("attempts")), createdAt: try row.date("created_at"))
    }

    /// Grows each addition's member's devices' unclaimed jobs for the same channel and category, or queues a push to
    /// each of the member's active devices, under `claim` when one is given (counting the attempt, as a claim does).
    /// Runs inside the fan-out's transaction. Returns how many jobs it grew or queued unclaimed, and the jobs queued
    /// under `claim` as a claim would read them.
    ///
    /// A push tells the whole burst its feed entry gathered (`bursts`: the entries' counts as they now stand), not
    /// only the messages of this pass: the third message of a burst pushes "3 new messages", replacing on the phone
    /// the pushes before it (they share the collapse key).
    static func enqueue(
        _ additions: [FeedAddition], in tx: ChamberScopedSQL, at instant: Date, claim: PushClaim?, bursts: [FeedKey: Int]
    ) async throws -> (unclaimed: Int, claimed: [ClaimedPush]) {
        let pushed = additions.filter { $0.push != nil }
        guard !pushed.isEmpty else { return (0, []) }
        let devices = try await Self.devices(of: Array(Set(pushed.map(\.userID))), in: tx, at: instant)
        guard !devices.isEmpty else { return (0, []) }
        struct Key: Hashable {
            let device: DeviceID
            let channel: ChannelID
            let category: String
        }
        var open: [Key: (id: PushJobID, count: Int64)] = [:]
        for chunk in Array(Set(pushed.map(\.channelID))).chunked(200) {
            for row in try await tx.query(
                """
                SELECT id, device_id, channel_id, category, count FROM push_outbox
                WHERE status = 'pending' AND claim IS NULL AND chamber_id = :chamber AND channel_id IN (\(placeholders(chunk.count)))
                """, chunk.map { .id($0) })
            {
                open[Key(device: try row.id("device_id"), channel: try row.id("channel_id"), category: try row.string("category"))] =
                    (try row.id("id"), try row.int("count"))
            }
        }
        // Times as stored (milliseconds), so a job sent from memory is the job a claim would read.
        let created = Date(millisecondsSince1970: instant.millisecondsSince1970)
        var queued: [(job: PushJob, address: PushAddress)] = []
        var grownJobs = 0
        for addition in pushed {
            guard let push = addition.push else { continue }
            let newest = addition.newest
            let text = String(newest.body.prefix(ChamberDomain.Notification.textLimit))
            let burst = bursts[FeedKey(addition)]
            for device in devices[addition.userID] ?? [] {
                let key = Key(device: device.id, channel: addition.channelID, category: addition.category.rawValue)
                if let grown = open[key] {
                    let count = max(grown.count + Int64(addition.count), Int64(burst ?? 0))
                    if try await Self.grow(grown.id, to: newest, push: push, title: addition.title, text: text, count: count, in: tx) {
                        open[key] = (grown.id, count)
                        grownJobs += 1
                        continue
                    }
                    // No longer waiting: this message gets a job of its own rather than none.
                }
                let job = PushJob(
                    id: .generateOrdered(), chamberID: tx.chamberID, userID: addition.userID, deviceID: device.id, channelID: addition.channelID,
                    category: addition.category, seq: newest.seq, messageID: newest.id, actorName: push.actorName, title: addition.title,
                    text: text, count: max(addition.count, burst ?? 0), preview: push.preview, urgent: push.urgent, attempts: claim == nil ? 0 : 1,
                    createdAt: created)
                open[key] = (job.id, Int64(job.count))
                queued.append((job, device.address))
            }
        }
        try await Self.insert(queued, claim: claim, in: tx)
        guard claim != nil else { return (grownJobs + queued.count, []) }
        // What a claim would read with each job: how far its member read the channel, and their badge.
        let users = Array(Set(queued.map(\.job.userID)))
        let readSeqs = try await Self.readSeqs(of: users, in: Array(Set(queued.compactMap(\.job.channelID))), tx: tx)
        let badges = try await SQLNotificationFanoutStore.badges(of: users, in: tx.executor)
        let claimed = queued.map { job, address in
            ClaimedPush(
                job: job, address: address, readSeq: job.channelID.flatMap { readSeqs[ChannelReader(channel: $0, user: job.userID)] } ?? 0,
                unreadCount: badges[job.userID] ?? 0)
        }
        return (grownJobs, claimed)
    }

    /// Inserts jobs, each for its device's address, under `claim` when one is given.
    private static func insert(_ queued: [(job: PushJob, address: PushAddress)], claim: PushClaim?, in tx: ChamberScopedSQL) async throws {
        for chunk in queued.chunked(100) {
            try await tx.query(
                """
                INSERT INTO push_outbox (id, chamber_id, user_id, device_id, platform, channel_id, category, seq, message_id, subject_kind,
                    subject_id, actor_name, title, text, count, preview, urgent, not_before, created_at, status, claim, claimed_until, attempts)
                VALUES
                """
                    + Array(repeating: "(?, :chamber, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)", count: chunk.count)
                    .joined(separator: ", "),
                chunk.flatMap { job, address -> [SQLValue] in
                    [
                        .id(job.id), .id(job.userID), .id(job.deviceID), .text(address.platform.rawValue), .id(job.channelID),
                        .text(job.category.rawValue), .int(job.seq), .id(job.messageID), .text(job.subject?.kind.rawValue), .text(job.subject?.id),
                        .text(job.actorName), .text(job.title), .text(job.text), .int(Int64(job.count)), .int(job.preview ? 1 : 0),
                        .int(job.urgent ? 1 : 0), .date(job.createdAt), .date(job.createdAt), .text(claim?.token), .date(claim?.until),
                        .int(Int64(job.attempts)),
                    ]
                })
        }
    }

    /// Queues a notice's push to each of its member's devices, unclaimed (any worker sends it), inside the transaction
    /// that records the notice; returns how many.
    static func enqueue(notice: ChamberDomain.Notification, preview: Bool, in tx: ChamberScopedSQL, at instant: Date) async throws -> Int {
        let devices = try await Self.devices(of: [notice.userID], in: tx, at: instant)[notice.userID] ?? []
        let created = Date(millisecondsSince1970: instant.millisecondsSince1970)
        let queued = devices.map { device in
            (
                job: PushJob(
                    id: .generateOrdered(), chamberID: tx.chamberID, userID: notice.userID, deviceID: device.id, channelID: nil,
                    category: notice.category, seq: 0, messageID: nil, subject: notice.subject, actorName: "", title: notice.title,
                    text: notice.text, count: 1, preview: preview, urgent: false, createdAt: created), address: device.address
            )
        }
        try await Self.insert(queued, claim: nil, in: tx)
        return queued.count
    }

    /// The members' devices a push may go to: those of an active session (that proved a second factor, where the
    /// chamber requires one of the member's role). A device whose stored address no longer reads is left out.
    private static func devices(of users: [UserID], in tx: ChamberScopedSQL, at instant: Date) async throws -> [UserID: [Device]] {
        // A chamber that requires a second factor of some roles pushes to those members' devices only when the
        // session that registered the device proved one (a push may carry the message's text).
        let requirement =
            try await tx.query(
                "SELECT \(SQLChamberStore.twoFactorRequirement(of: "c", in: tx.executor.dialect)) AS required FROM chambers c WHERE c.id = :chamber"
            ).first.map { try SQLChamberStore.twoFactorRequirement($0, "required") } ?? .nobody
        var devices: [UserID: [Device]] = [:]
        for chunk in users.chunked(500) {
            // Devices are platform-wide: this one statement goes around the chamber scope (the users are this
            // chamber's recipients).
            for row in try await tx.executor.query(
                """
                SELECT \(SQLDeviceStore.columns), s.second_factor_at, m.role
                FROM devices d JOIN auth_sessions s ON s.id = d.session_id
                LEFT JOIN memberships m ON m.chamber_id = ? AND m.user_id = d.user_id
                WHERE s.revoked_at IS NULL AND s.expires_at > ? AND d.user_id IN (\(placeholders(chunk.count)))
                """, [.id(tx.chamberID), .date(instant)] + chunk.map { .id($0) })
            {
                if requirement != .nobody, try row.optionalDate("second_factor_at") == nil,
                    requirement.applies(to: try row.optionalString("role").flatMap(Role.init(rawValue:)) ?? .member)
                {
                    continue
                }
                guard let device = try? SQLDeviceStore.device(row) else { continue }
                devices[device.userID, default: []].append(device)
            }
        }
        return devices
    }

    private struct ChannelReader: Hashable {
        let channel: ChannelID
        let user: UserID
    }

    /// How far each of `users` read each of `channels` (absent: never).
    private static func readSeqs(of users: [UserID], in channels: [ChannelID], tx: ChamberScopedSQL) async throws -> [ChannelReader: Int64] {
        var seqs: [ChannelReader: Int64] = [:]
        for chunk in users.chunked(500) {
            for row in try await tx.executor.query(
                """
                SELECT channel_id, user_id, last_read_seq FROM channel_members
                WHERE channel_id IN (\(placeholders(channels.count))) AND user_id IN (\(placeholders(chunk.count)))
                """, channels.map { .id($0) } + chunk.map { .id($0) })
            {
                seqs[ChannelReader(channel: try row.id("channel_id"), user: try row.id("user_id"))] = try row.int("last_read_seq")
            }
        }
        return seqs
    }

    /// Grows a waiting job by a newer message; false when the job is no longer waiting. Between the fan-out's read
    /// of the waiting jobs and this write, a worker may have claimed the job, or claimed, sent and released it
    /// (PostgreSQL reads committed changes): a job that grew then would carry a message its push never told. The
    /// fault run `clock-skew-push` found phones left without the last announcement that way, its job marked sent.
    static func grow(
        _ id: PushJobID, to newest: Message, push: PushAddition, title: String, text: String, count: Int64, in tx: ChamberScopedSQL
    ) async throws -> Bool {
        // A push keeps the urgency of any message it grew by.
        try await !tx.query(
            """
            UPDATE push_outbox SET seq = ?, message_id = ?, actor_name = ?, title = ?, text = ?, count = ?, preview = ?,
                urgent = CASE WHEN urgent = 1 THEN 1 ELSE ? END
            WHERE chamber_id = :chamber AND id = ? AND status = 'pending' AND claim IS NULL RETURNING id
            """,
            [
                .int(newest.seq), .id(newest.id), .text(push.actorName), .text(title), .text(text), .int(count), .int(push.preview ? 1 : 0),
                .int(push.urgent ? 1 : 0), .id(id),
            ]
        ).isEmpty
    }

    func claim(limit: Int, at instant: Date, lease: TimeInterval, claim: String) async throws -> [ClaimedPush] {
        try await db.transaction(retryingConflicts: 3) { tx in
            // The lease conditions stand in the outer statement too: PostgreSQL re-checks them on a row another
            // claimant changed meanwhile, so two workers never hold one job.
            let free = "status = 'pending' AND not_before <= ? AND (claimed_until IS NULL OR claimed_until < ?)"
            let taken = try await tx.query(
                """
                UPDATE push_outbox SET claim = ?, claimed_until = ?, attempts = attempts + 1
                WHERE id IN (SELECT id FROM push_outbox WHERE \(free) ORDER BY not_before LIMIT ?) AND \(free)
                RETURNING id
                """,
                [
                    .text(claim), .date(instant.addingTimeInterval(lease)), .date(instant), .date(instant), .int(Int64(limit)), .date(instant),
                    .date(instant),
                ])
            guard !taken.isEmpty else { return [] }
            return try await Self.claimed(by: claim, at: instant, in: tx)
        }
    }

    func held(_ ids: [PushJobID], by claim: String, at instant: Date) async throws -> [ClaimedPush] {
        var held: [ClaimedPush] = []
        for chunk in ids.chunked(500) { held += try await Self.claimed(by: claim, among: Array(chunk), at: instant, in: db) }
        return held
    }

    /// The jobs `claim` holds and whose lease has not lapsed at `instant` (another node may claim those), among
    /// `ids` when given, each with its device's address (nil when the device or its
    /// session is gone), how far its member read the channel, and their badge.
    private static func claimed(
        by claim: String, among ids: [PushJobID]? = nil, at instant: Date, in tx: any SQLExecutor
    ) async throws
        -> [ClaimedPush]
    {
        let among = ids.map { " AND o.id IN (\(placeholders($0.count)))" } ?? ""
        let rows = try await tx.query(
            """
            SELECT \(Self.columns), d.id AS d_id, d.user_id AS d_user_id, d.session_id, d.platform AS d_platform, d.token, d.apns_topic,
                d.apns_environment, d.web_push_p256dh, d.web_push_auth, d.name, d.created_at AS d_created_at, d.registered_at,
                s.id AS s_id, COALESCE(m.last_read_seq, 0) AS read_seq
            FROM push_outbox o
            LEFT JOIN devices d ON d.id = o.device_id AND d.user_id = o.user_id
            LEFT JOIN auth_sessions s ON s.id = d.session_id AND s.revoked_at IS NULL AND s.expires_at > ?
            LEFT JOIN channel_members m ON m.channel_id = o.channel_id AND m.user_id = o.user_id
            WHERE o.claim = ? AND o.status = 'pending' AND o.claimed_until >= ?\(among)
            """, [.date(instant), .text(claim), .date(instant)] + (ids ?? []).map { .id($0) })
        var claimed: [(job: PushJob, address: PushAddress?, readSeq: Int64)] = []
        for row in rows {
            let address = try row.optionalString("s_id") != nil ? try SQLDeviceStore.device(Self.deviceRow(row)).address : nil
            claimed.append((try Self.job(row), address, try row.int("read_seq")))
        }
        let badges = try await SQLNotificationFanoutStore.badges(of: Array(Set(claimed.map(\.job.userID))), in: tx)
        return claimed.map { ClaimedPush(job: $0.job, address: $0.address, readSeq: $0.readSeq, unreadCount: badges[$0.job.userID] ?? 0) }
    }

    @discardableResult
    func renew(claim: String, until: Date) async throws -> [PushJobID] {
        try await db.query(
            "UPDATE push_outbox SET claimed_until = ? WHERE claim = ? AND status = 'pending' RETURNING id", [.date(until), .text(claim)]
        ).map { try $0.id("id") }
    }

    /// The device columns of a claim row under the names ``SQLDeviceStore/device(_:)`` reads.
    private static func deviceRow(_ row: SQLRow) -> SQLRow {
        var values = row.values
        for (alias, name) in [("d_id", "id"), ("d_user_id", "user_id"), ("d_platform", "platform"), ("d_created_at", "created_at")] {
            values[name] = values[alias]
        }
        return SQLRow(values)
    }

    func finish(_ results: [(id: PushJobID, result: PushJobResult)], claim: String, at instant: Date) async throws {
        guard !results.isEmpty else { return }
        // Jobs that end alike are ended by one statement per 500: a batch of pushes costs a few statements.
        var ended: [String: [(status: String, error: String?, ids: [PushJobID])]] = [:]
        var retries: [(PushJobID, Date, String)] = []
        var gone: [(PushJobID, String)] = []
        func end(_ id: PushJobID, _ status: String, _ error: String?) {
            let key = status + "\u{0}" + (error ?? "")
            if ended[key] == nil { ended[key] = [(status, error, [])] }
            ended[key]![0].ids.append(id)
        }
        for (id, result) in results {
            switch result {
            case .sent: end(id, "sent", nil)
            case .cancelled(let reason): end(id, "cancelled", reason)
            case .deadLettered(let error): end(id, "dead", error)
            case .retry(let at, let error): retries.append((id, at, error))
            case .deviceGone(let error): gone.append((id, error))
            }
        }
        let (groups, retrying, removed) = (ended.values.flatMap { $0 }, retries, gone)
        // Outcomes not recorded are sent again when the lease runs out: a conflict is no reason to lose them.
        try await db.transaction(retryingConflicts: 3) { tx in
            for group in groups {
                for chunk in group.ids.chunked(500) {
                    try await tx.query(
                        """
                        UPDATE push_outbox SET status = ?, last_error = ?, claim = NULL, claimed_until = NULL, finished_at = ?
                        WHERE claim = ? AND id IN (\(placeholders(chunk.count)))
                        """, [.text(group.status), .text(group.error), .date(instant), .text(claim)] + chunk.map { .id($0) })
                }
            }
            for (id, at, error) in retrying {
                try await tx.query(
                    "UPDATE push_outbox SET not_before = ?, last_error = ?, claim = NULL, claimed_until = NULL WHERE id = ? AND claim = ?",
                    [.date(at), .text(error), .id(id), .text(claim)])
            }
            for (id, error) in removed {
                let ended = try await tx.query(
                    """
                    UPDATE push_outbox SET status = 'gone', last_error = ?, claim = NULL, claimed_until = NULL, finished_at = ?
                    WHERE id = ? AND claim = ? RETURNING device_id
                    """, [.text(error), .date(instant), .id(id), .text(claim)])
                guard let device = try ended.first?.string("device_id") else { continue }
                try await tx.query("DELETE FROM devices WHERE id = ?", [.text(device)])
                // Its other waiting jobs could only fail the same way.
                try await tx.query(
                    """
                    UPDATE push_outbox SET status = 'cancelled', last_error = 'device_removed', finished_at = ?
                    WHERE device_id = ? AND status = 'pending' AND claim IS NULL
                    """, [.date(instant), .text(device)])
            }
        }
    }

    func nextDue() async throws -> Date? {
        // A claimed job is due again only when its lease ends.
        try await db.query(
            "SELECT min(CASE WHEN claim IS NULL THEN not_before ELSE claimed_until END) AS due FROM push_outbox WHERE status = 'pending'"
        ).first?.optionalDate("due")
    }

    func counts(in chamber: ChamberID) async throws -> [DevicePlatform: PushCounts] {
        var counts: [DevicePlatform: PushCounts] = [:]
        for row in try await db.query(
            """
            SELECT platform, status, count(*) AS n, CAST(COALESCE(sum(CASE WHEN status = 'pending' AND claim IS NULL THEN attempts WHEN attempts > 0 THEN attempts - 1 ELSE 0 END), 0) AS BIGINT) AS retries
            FROM push_outbox WHERE chamber_id = ? GROUP BY platform, status
            """, [.id(chamber)])
        {
            guard let platform = DevicePlatform(rawValue: try row.string("platform")) else { continue }
            let n = Int(try row.int("n"))
            var entry = counts[platform] ?? PushCounts()
            entry.retried += max(0, Int(try row.int("retries")))
            switch try row.string("status") {
            case "sent": entry.sent += n
            case "dead": entry.deadLettered += n
            case "gone": entry.tokensRemoved += n
            case "cancelled": entry.cancelled += n
            default: entry.pending += n
            }
            counts[platform] = entry
        }
        return counts
    }

    func deadLetters(in chamber: ChamberID, page: PageRequest) async throws -> Page<DeadLetter> {
        let rows = try await db.query(
            """
            SELECT \(Self.columns), o.last_error, o.finished_at FROM push_outbox o
            WHERE o.chamber_id = ? AND o.status = 'dead' ORDER BY o.finished_at DESC, o.id LIMIT ? OFFSET ?
            """, [.id(chamber), .int(Int64(page.limit + 1)), .int(Int64(page.offset))])
        return Page(
            fetched: try rows.map { row in
                DeadLetter(
                    job: try Self.job(row), platform: DevicePlatform(rawValue: try row.string("platform")) ?? .apns,
                    error: try row.optionalString("last_error") ?? "", finishedAt: try row.date("finished_at"))
            }, request: page)
    }

    func prune(finishedBefore instant: Date, deadLettersBefore: Date) async throws -> Int {
        let done = try await db.query(
            "DELETE FROM push_outbox WHERE status IN ('sent', 'cancelled', 'gone') AND finished_at < ? RETURNING id", [.date(instant)])
        let dead = try await db.query("DELETE FROM push_outbox WHERE status = 'dead' AND finished_at < ? RETURNING id", [.date(deadLettersBefore)])
        return done.count + dead.count
    }
}
