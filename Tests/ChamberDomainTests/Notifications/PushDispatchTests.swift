import ChamberDomain
import Foundation
import Synchronization
import Testing

@Suite("Push: retry schedule, the push's words, and the dispatcher's decisions")
struct PushDispatchTests {
    @Test(
        "backoff doubles from the base up to the cap, with equal jitter; Retry-After is a floor; the last attempt dead-letters",
        arguments: [
            // attempt, retryAfter, random, expected delay (nil: dead letter)
            (1, nil, 0.0, 0.5), (1, nil, 1.0, 1.0), (2, nil, 0.0, 1.0), (3, nil, 0.5, 3.0), (4, nil, 1.0, 8.0),
            (12, nil, 1.0, 600.0), (12, nil, 0.0, 300.0), (1, 30.0, 0.0, 30.0), (3, 1.0, 1.0, 4.0), (1, 86_400.0, 0.0, 3_600.0),
            (1, 0.0, 1.0, 1.0), (20, nil, 0.5, nil),
        ] as [(Int, Double?, Double, Double?)])
    func schedule(attempt: Int, retryAfter: Double?, random: Double, expected: Double?) {
        let schedule = RetrySchedule(base: 1, cap: 600, maxAttempts: 20)
        #expect(schedule.delay(afterAttempt: attempt, retryAfter: retryAfter, random: random) == expected)
    }

    static func job(count: Int = 1, preview: Bool = true, category: NotificationCategory = .directMessages, title: String = "Ada") -> PushJob {
        PushJob(
            id: PushJobID("00000000-0000-0000-0000-0000000000aa"), chamberID: ChamberID("c"), userID: UserID("u"), deviceID: DeviceID("d"),
            channelID: ChannelID("4f1c2d3e-0000-4000-8000-00000000abcd"), category: category, seq: 7, messageID: MessageID("m"),
            actorName: "Ada", title: title, text: "Lunch at noon?", count: count, preview: preview, urgent: false, attempts: 1,
            createdAt: Date(timeIntervalSince1970: 1_000))
    }

    @Test(
        "what a push says, by count, preview and category",
        arguments: [
            (1, true, NotificationCategory.directMessages, "Ada", "Lunch at noon?"),
            (1, false, .directMessages, "Ada", "New message from Ada"),
            (3, true, .directMessages, "Ada", "3 new messages from Ada\nAda: Lunch at noon?"),
            (3, false, .directMessages, "Ada", "3 new messages from Ada"),
            (1, true, .mentions, "Board", "Ada: Lunch at noon?"),
            (1, false, .mentions, "Board", "New message from Ada in Board"),
            (2, false, .channelMessages, "Board", "2 new messages in Board"),
        ] as [(Int, Bool, NotificationCategory, String, String)])
    func words(count: Int, preview: Bool, category: NotificationCategory, title: String, body: String) {
        let message = PushMessage(
            ClaimedPush(job: Self.job(count: count, preview: preview, category: category, title: title), address: nil, readSeq: 0, unreadCount: 4),
            at: Date())
        #expect(message.body == body && message.title == title && message.badge == 4)
        #expect(message.collapseKey == "4f1c2d3e00004000800000000000abcd")
        #expect(message.highPriority == (category != .channelMessages))
        #expect(message.data["seq"] == "7" && message.data["push_id"] == "00000000-0000-0000-0000-0000000000aa")
        #expect(message.expiresAt == Date(timeIntervalSince1970: 1_000 + 86_400))
    }

    static func notice(_ subject: NotificationSubject, chamber: String, preview: Bool = true) -> PushMessage {
        let job = PushJob(
            id: PushJobID("00000000-0000-0000-0000-0000000000bb"), chamberID: ChamberID(chamber),
            userID: UserID("5c1e8d2a-0b7f-4e55-9d0c-2f9b1e6a7c31"),
            deviceID: DeviceID("d"), channelID: nil, category: subject.kind == .invoice ? .billing : .membership, seq: 0, messageID: nil,
            subject: subject, actorName: "", title: "Your dues invoice INV-0007", text: "450.00 USD due on 2027-01-01", count: 1, preview: preview,
            urgent: false, attempts: 1, createdAt: Date(timeIntervalSince1970: 1_000))
        return PushMessage(ClaimedPush(job: job, address: nil, readSeq: 0, unreadCount: 2), at: Date())
    }

    @Test(
        "a notice's push: its heading and text (none without preview), its subject to open, one collapse key per invoice and per chamber's membership"
    )
    func notices() {
        let invoice = NotificationSubject.invoice(InvoiceID("3f0c2a9e-5b1d-4e8f-9a7c-1d2e3f4a5b6c"))
        let message = Self.notice(invoice, chamber: "aaaaaaaa-0000-4000-8000-111111111111")
        #expect(message.title == "Your dues invoice INV-0007" && message.body == "450.00 USD due on 2027-01-01" && message.badge == 2)
        #expect(!message.highPriority && message.collapseKey == "3f0c2a9e5b1d4e8f9a7c1d2e3f4a5b6c")
        #expect(
            message.data == [
                "chamber_id": "aaaaaaaa-0000-4000-8000-111111111111", "category": "billing", "subject_kind": "invoice",
                "subject_id": "3f0c2a9e-5b1d-4e8f-9a7c-1d2e3f4a5b6c", "push_id": "00000000-0000-0000-0000-0000000000bb",
            ])
        #expect(Self.notice(invoice, chamber: "c", preview: false).body == "A notice about your invoice")
        // One member, two chambers: each chamber's membership news has a key of its own.
        let membership = NotificationSubject.membership(of: UserID("5c1e8d2a-0b7f-4e55-9d0c-2f9b1e6a7c31"))
        let (first, second) = (
            Self.notice(membership, chamber: "aaaaaaaa-0000-4000-8000-111111111111"),
            Self.notice(membership, chamber: "bbbbbbbb-0000-4000-8000-222222222222")
        )
        #expect(first.collapseKey == "80001111111111119d0c2f9b1e6a7c31" && first.collapseKey != second.collapseKey)
        #expect(
            second.body == "450.00 USD due on 2027-01-01"
                && Self.notice(membership, chamber: "c", preview: false).body == "A notice about your membership")
    }

    /// An outbox in memory: what the dispatcher claimed and how it finished each.
    final class MemoryOutbox: PushOutboxStore {
        let pending: Mutex<[ClaimedPush]>
        let finished = Mutex<[(PushJobID, PushJobResult)]>([])
        /// How many of the next records fail, as a database away for a moment fails them.
        let failingRecords = Mutex(0)
        let recordAttempts = Mutex(0)
        /// Renewals after the first try to record (not those while sending, which a slow machine may add).
        let renewalsWhileRecording = Mutex(0)

        init(_ pushes: [ClaimedPush]) { pending = Mutex(pushes) }

        func claim(limit: Int, at instant: Date, lease: TimeInterval, claim: String) async throws -> [ClaimedPush] {
            pending.withLock { pending in
                defer { pending.removeAll() }
                return pending.map {
                    var push = $0; push.job.attempts += 1; return push
                }
            }
        }
        let renewals = Mutex(0)
        /// Jobs written under a claim (a fan-out's hand-off), as the outbox now holds them, by claim.
        let written = Mutex<[String: [ClaimedPush]]>([:])
        /// Reads of written jobs before their batch leaves, the ids of each.
        let reads = Mutex<[[PushJobID]]>([])
        func renew(claim: String, until: Date) async throws -> [PushJobID] {
            renewals.withLock { $0 += 1 }
            if recordAttempts.withLock({ $0 }) > 0 { renewalsWhileRecording.withLock { $0 += 1 } }
            return written.withLock { $0[claim] ?? [] }.map(\.job.id)
        }
        func held(_ ids: [PushJobID], by claim: String, at instant: Date) async throws -> [ClaimedPush] {
            reads.withLock { $0.append(ids) }
            return written.withLock { $0[claim] ?? [] }.filter { ids.contains($0.job.id) }
        }
        func finish(_ results: [(id: PushJobID, result: PushJobResult)], claim: String, at instant: Date) async throws {
            recordAttempts.withLock { $0 += 1 }
            let fails = failingRecords.withLock { count in
                defer { count = max(0, count - 1) }
                return count > 0
            }
            if fails { throw ChamberError(.databaseUnavailable, "the database did not answer in time") }
            finished.withLock { $0 += results.map { ($0.id, $0.result) } }
        }
        func nextDue() async throws -> Date? { nil }
        func counts(in chamber: ChamberID) async throws -> [DevicePlatform: PushCounts] { [:] }
        func deadLetters(in chamber: ChamberID, page: PageRequest) async throws -> Page<DeadLetter> { Page(fetched: [], request: page) }
        func prune(finishedBefore instant: Date, deadLettersBefore: Date) async throws -> Int { 0 }

        func result(of id: String) -> PushJobResult? { finished.withLock { $0.first { $0.0.rawValue == id }?.1 } }
    }

    /// A provider that answers by device token.
    final class ScriptedProvider: PushProvider {
        let answers: [String: PushOutcome]
        let sent = Mutex<[String]>([])
        init(answers: [String: PushOutcome]) { self.answers = answers }
        func send(_ message: PushMessage, to address: PushAddress) async -> PushOutcome {
            sent.withLock { $0.append(address.key) }
            return answers[address.key] ?? .accepted
        }
    }

    static func claimed(_ id: String, token: String?, readSeq: Int64 = 0, attempts: Int = 0) -> ClaimedPush {
        var job = job()
        job = PushJob(
            id: PushJobID(id), chamberID: job.chamberID, userID: job.userID, deviceID: job.deviceID, channelID: job.channelID,
            category: job.category, seq: job.seq, messageID: job.messageID, actorName: job.actorName, title: job.title, text: job.text,
            count: 1, preview: true, urgent: false, attempts: attempts, createdAt: job.createdAt)
        return ClaimedPush(job: job, address: token.map { .fcm(token: $0) }, readSeq: readSeq, unreadCount: 1)
    }

    @Test("each outcome is recorded as the outbox needs it; read and removed devices are not sent")
    func outcomes() async throws {
        let outbox = MemoryOutbox([
            Self.claimed("ok", token: "t-ok"), Self.claimed("read", token: "t-read", readSeq: 7), Self.claimed("nodevice", token: nil),
            Self.claimed("gone", token: "t-gone"), Self.claimed("later", token: "t-later"), Self.claimed("bad", token: "t-bad"),
            Self.claimed("last", token: "t-last", attempts: 2),
        ])
        let provider = ScriptedProvider(answers: [
            "t-gone": .deviceGone("UNREGISTERED"), "t-later": .retry("http_503", retryAfter: 5), "t-bad": .rejected("http_400"),
            "t-last": .retry("http_500", retryAfter: nil),
        ])
        let clock = Date(timeIntervalSince1970: 10_000)
        let dispatcher = PushDispatcher(
            outbox: outbox, providers: [.fcm: provider], schedule: RetrySchedule(base: 1, maxAttempts: 3), now: { clock }, random: { 0 })
        #expect(try await dispatcher.dispatch() == 7)
        #expect(outbox.result(of: "ok") == .sent)
        #expect(outbox.result(of: "read") == .cancelled(reason: "read"))
        #expect(outbox.result(of: "nodevice") == .cancelled(reason: "device_removed"))
        #expect(outbox.result(of: "gone") == .deviceGone(error: "UNREGISTERED"))
        #expect(outbox.result(of: "later") == .retry(at: clock.addingTimeInterval(5), error: "http_503"))
        #expect(outbox.result(of: "bad") == .deadLettered(error: "http_400"))
        #expect(outbox.result(of: "last") == .deadLettered(error: "http_500 (after 3 attempts)"))
        #expect(Set(provider.sent.withLock { $0 }) == ["t-ok", "t-gone", "t-later", "t-bad", "t-last"])
        #expect(try await dispatcher.dispatch() == 0, "nothing left")
    }

    @Test(
        "a hand-off leaves in batches, each recorded as it ends; sent as the pass read it while that is recent, read again after",
        arguments: [false, true])
    func handOff(late: Bool) async throws {
        let pushes = (1...5).map { Self.claimed("h\($0)", token: "t\($0)", attempts: 1) }
        let outbox = MemoryOutbox([])
        // Since it was written, the member read the channel past the fourth push's message.
        var read = pushes
        read[3].readSeq = 7
        outbox.written.withLock { $0["pass"] = read }
        let provider = ScriptedProvider(answers: [:])
        let clock = Date(timeIntervalSince1970: 10_000)
        // One send at a time: batches of four.
        let dispatcher = PushDispatcher(
            outbox: outbox, providers: [.fcm: provider], concurrency: 1, lease: 30, handOffReadsFreshFor: 1, now: { clock })
        // The pass read its pushes 0.5 s ago, or 2 s ago.
        try await dispatcher.send(pushes, claim: PushClaim(token: "pass", until: clock.addingTimeInterval(late ? 28 : 29.5)))
        #expect(outbox.recordAttempts.withLock { $0 } == 2, "one record per batch")
        #expect(outbox.renewals.withLock { $0 } == 0, "a claim younger than a third of its lease is not renewed first")
        if late {
            let reads = outbox.reads.withLock { $0 }.map { $0.map(\.rawValue) }.sorted { $0.count > $1.count }
            #expect(reads == [["h1", "h2", "h3", "h4"], ["h5"]], "each batch read again as it started")
            #expect(outbox.result(of: "h4") == .cancelled(reason: "read"), "read again before it left")
            #expect(Set(provider.sent.withLock { $0 }) == ["t1", "t2", "t3", "t5"])
        } else {
            #expect(outbox.reads.withLock { $0 }.isEmpty, "sent as read")
            #expect(Set(provider.sent.withLock { $0 }) == ["t1", "t2", "t3", "t4", "t5"])
        }
    }

    @Test("a hand-off whose claim may have lapsed renews it first and sends only what it still holds")
    func staleHandOff() async throws {
        let pushes = (1...3).map { Self.claimed("s\($0)", token: "t\($0)", attempts: 1) }
        let outbox = MemoryOutbox([])
        // Another node claimed the second push after the lease lapsed.
        outbox.written.withLock { $0["pass"] = [pushes[0], pushes[2]] }
        let provider = ScriptedProvider(answers: [:])
        let clock = Date(timeIntervalSince1970: 10_000)
        let dispatcher = PushDispatcher(outbox: outbox, providers: [.fcm: provider], lease: 30, now: { clock })
        // Written 11 s ago: a third of the lease has gone, so it may have lapsed had the pass taken longer.
        try await dispatcher.send(pushes, claim: PushClaim(token: "pass", until: clock.addingTimeInterval(19)))
        #expect(outbox.renewals.withLock { $0 } >= 1)
        #expect(Set(provider.sent.withLock { $0 }) == ["t1", "t3"])
        #expect(outbox.result(of: "s2") == nil, "not ours to record")
    }

    @Test("a platform without a provider dead-letters its pushes, for admins to see")
    func unconfigured() async throws {
        let outbox = MemoryOutbox([Self.claimed("x", token: "t")])
        #expect(try await PushDispatcher(outbox: outbox, providers: [:]).dispatch() == 1)
        #expect(outbox.result(of: "x") == .deadLettered(error: "fcm_not_configured"))
    }

    /// A provider that answers after `delay`.
    struct SlowProvider: PushProvider {
        let delay: Duration
        func send(_ message: PushMessage, to address: PushAddress) async -> PushOutcome {
            try? await Task.sleep(for: delay)
            return .accepted
        }
    }

    @Test(
        "outcomes the outbox failed to record are recorded again while the lease holds, renewing it; past the lease the failure stands",
        arguments: [(0, true, 0), (1, true, 1), (3, true, 3), (100, false, 3)])
    func recordsAgain(failures: Int, recorded: Bool, renewals: Int) async throws {
        let outbox = MemoryOutbox([Self.claimed("x", token: "t")])
        outbox.failingRecords.withLock { $0 = failures }
        let provider = ScriptedProvider(answers: [:])
        // A lease of 1.2 s leaves room for three waits (0.1 + 0.2 + 0.4 s) and not a fourth (0.8 s more). The node's
        // clock stands still, so only the waits count, however slow the machine.
        let clock = Date(timeIntervalSince1970: 10_000)
        let dispatcher = PushDispatcher(outbox: outbox, providers: [.fcm: provider], lease: 1.2, now: { clock })
        let dispatched = try? await dispatcher.dispatch()
        #expect((dispatched == 1) == recorded)
        #expect((outbox.result(of: "x") == .sent) == recorded)
        #expect(outbox.renewalsWhileRecording.withLock { $0 } == renewals, "renewed before each new try")
        #expect(provider.sent.withLock { $0 } == ["t"], "sent once whatever the record did")
    }

    @Test("a batch slower than its lease renews the lease while it sends, and stops once its outcomes are recorded")
    func renewsLease() async throws {
        let outbox = MemoryOutbox([Self.claimed("slow", token: "t")])
        let dispatcher = PushDispatcher(outbox: outbox, providers: [.fcm: SlowProvider(delay: .milliseconds(600))], lease: 0.15)
        #expect(try await dispatcher.dispatch() == 1)
        #expect(outbox.result(of: "slow") == .sent)
        let renewed = outbox.renewals.withLock { $0 }
        #expect(renewed >= 1, "renewed every 50 ms during 600 ms of sending: \(renewed)")
        try await Task.sleep(for: .milliseconds(200))
        #expect(outbox.renewals.withLock { $0 } == renewed, "no renewal after the batch ended")
    }
}
