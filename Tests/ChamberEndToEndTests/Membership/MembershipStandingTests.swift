import ChamberDomain
import ChamberHTTP
import ChamberServer
import ChamberStorage
import ChamberTestSupport
import Foundation
import HTTPTypes
import Synchronization
import Testing

/// A membership through its year, through the REST API and a socket: the trial an approval opens, the daily job
/// on a test clock (trial over, grace, lapse), what a lapsed member can no longer do, and staff's hand (a payment,
/// a tier change and its proration, suspension, reinstatement).
@Suite("REST: membership standing through the year")
struct MembershipStandingTests {
    /// What the standing job mails, kept to be looked at.
    final class MailBox: Mailer {
        let sent = Mutex<[Mail]>([])
        func send(_ mail: Mail) async throws { sent.withLock { $0.append(mail) } }
        func to(_ email: String) -> [Mail] { sent.withLock { $0.filter { $0.to == email } } }
    }

    /// The mail of `kind` queued for `email` (a notice's mail is queued with its feed entry), oldest first.
    static func mail(_ api: TestAPI, to email: String, kind: Mail.Kind) async throws -> [Mail] {
        try await api.store.mailOutbox.deliveries(to: email, limit: 100).map(\.mail).filter { $0.kind == kind }.reversed()
    }

    /// The daily job as a node runs it, on a clock the test moves.
    final class Job: Sendable {
        /// The job's clock: what `now` is for it.
        final class Clock: Sendable {
            let now: Mutex<Date>
            init(_ start: Date) { now = Mutex(start) }
        }
        let clock: Clock
        let mail = MailBox()
        let service: MembershipStandingService

        init(_ api: TestAPI, at start: Date) {
            let clock = Clock(start)
            self.clock = clock
            service = MembershipStandingService(store: api.store, mailer: mail, observer: api.node.realtime.hub) { clock.now.withLock { $0 } }
        }

        func run(_ chamberID: String, at date: Date) async throws -> Int {
            clock.now.withLock { $0 = date }
            return try await service.sweep(chamberID: ChamberID(chamberID))
        }
    }

    /// Applies with the five steps and is approved by staff.
    static func approved(
        _ api: TestAPI, _ applicant: Account, chamber: String, tier: String, staff: Account, steps: [(String, [String: Any])]? = nil
    ) async throws {
        let started = try await api.call(.post, "/v1/applications", token: applicant.accessToken, json: ["chamber_id": chamber])
        let id = started.json["application"]["id"].string ?? ""
        try await MembershipApplicationTests.fill(api, applicant, id, steps ?? MembershipApplicationTests.steps(tier: tier))
        #expect(try await api.call(.post, "/v1/applications/\(id)/submit", token: applicant.accessToken).status == .ok)
        let decided = try await api.call(
            .post, "/v1/chambers/\(chamber)/applications/\(id)/decision", token: staff.accessToken, json: ["decision": "approve"])
        #expect(decided.status == .ok, "\(decided.json)")
    }

    static func days(_ count: Int, after date: Date) -> Date { date.addingTimeInterval(TimeInterval(count) * 86_400) }

    @Test("a chamber renewing on a fixed date: a payment runs to that date, its dues prorated by the days", arguments: TestBackend.enabled)
    func fixedRenewal(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let (admin, staff, apu) = (try await api.signUp("admin"), try await api.signUp("stella"), try await api.signUp("apu"))
            let chamber = try await MembershipApplicationTests.chamber(api, admin: admin, staff: staff)
            // Renewal a hundred days from now (UTC): far from both ends of the year whenever the test runs.
            var utc = Calendar(identifier: .gregorian)
            utc.timeZone = TimeZone(identifier: "UTC")!
            let renewal = utc.dateComponents([.year, .month, .day], from: Self.days(100, after: Date()))
            let monthDay = String(format: "%02d-%02d", renewal.month ?? 1, renewal.day ?? 1)
            let set = try await api.call(
                .patch, "/v1/chambers/\(chamber.id)", token: admin.accessToken,
                json: ["settings": ["membership": ["renewal": monthDay, "trial_days": 0]]])
            #expect(set.json["settings"]["membership"]["renewal"].string == monthDay, "\(set.json)")

            try await Self.approved(api, apu, chamber: chamber.id, tier: chamber.tier, staff: staff)
            let path = "/v1/chambers/\(chamber.id)/members/\(apu.userID)/standing"
            let paid = try await api.call(.post, path, token: staff.accessToken, json: ["action": "record_payment", "note": "cash"])
            #expect(paid.json["standing"]["status"].string == "active", "\(paid.json)")
            let through = try #require(paid.json["standing"]["paid_through"].date)
            let day = utc.dateComponents([.year, .month, .day], from: through)
            #expect(day.month == renewal.month && day.day == renewal.day && day.year == renewal.year, "to the renewal date: \(paid.json)")
            // About 100 of 365 days of Gold's 600.00: not a whole year's dues.
            let dues = try await api.call(.get, path, token: staff.accessToken).json["ledger"].array.first { $0["kind"].string == "dues_paid" }
            let amount = dues?["amount_cents"].int ?? 0
            #expect((15_500...17_000).contains(amount), "prorated by days: \(amount)")
        }
    }

    @Test(
        "approval opens a trial; the job moves it to grace, then lapsed, once however many run; a lapsed member cannot post; staff record dues, change tier, suspend, reinstate",
        arguments: TestBackend.enabled)
    func year(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let (admin, staff, apu, otto) = (
                try await api.signUp("admin"), try await api.signUp("stella"), try await api.signUp("apu"), try await api.signUp("otto")
            )
            let chamber = try await MembershipApplicationTests.chamber(api, admin: admin, staff: staff)
            try await api.addMember(otto, to: chamber.id, role: "member", by: admin)
            let settings = "/v1/chambers/\(chamber.id)"
            for (bad, field) in [
                (["renewal": "02-30"], "settings.membership.renewal"), (["trial_days": 400], "settings.membership.trial_days"),
                (["grace_days": -1], "settings.membership.grace_days"),
            ] as [([String: Any], String)] {
                let refused = try await api.call(.patch, settings, token: admin.accessToken, json: ["settings": ["membership": bad]])
                #expect(refused.status == .badRequest && refused.json["error"]["field"].string == field, "\(refused.json)")
            }
            let set = try await api.call(.patch, settings, token: admin.accessToken, json: ["settings": ["membership": ["trial_days": 14]]])
            #expect(
                set.json["settings"]["membership"]
                    == JSON(any: [
                        "trial_days": 14, "grace_days": 30, "renewal": "anniversary", "invoice_days_before": 30, "late_fee_minor": 0,
                        "late_fee_after_days": 14,
                    ]), "\(set.json)")

            let approvedAt = Date()
            try await Self.approved(api, apu, chamber: chamber.id, tier: chamber.tier, staff: staff)
            let path = "/v1/chambers/\(chamber.id)/members/\(apu.userID)/standing"
            let mine = try await api.call(.get, path, token: apu.accessToken)
            #expect(mine.status == .ok && mine.json["standing"]["status"].string == "trial", "\(mine.json)")
            let welcome = try await api.store.mailOutbox.deliveries(to: apu.email, limit: 5).map(\.mail)
            #expect(welcome.contains { $0.body.contains("your business is in the directory.") }, "a trial is listed at once")
            #expect(mine.json["standing"]["tier_id"].string == chamber.tier && mine.json["standing"]["business_id"].string != nil)
            #expect(mine.json["standing"]["privileges"] == JSON(any: ["chat": true, "directory_listing": true, "member_prices": true]))
            let trialEnds = try #require(mine.json["standing"]["trial_ends_at"].date)
            #expect(abs(trialEnds.timeIntervalSince(Self.days(14, after: approvedAt))) < 120)
            #expect(try await api.call(.get, path, token: otto.accessToken).status == .forbidden, "another member's standing is staff's")
            #expect(
                try await api.call(.get, "/v1/chambers/\(chamber.id)/members/\(otto.userID)/standing", token: staff.accessToken).errorCode
                    == "standing_not_found", "a member by invitation pays no dues")
            let trials = try await api.call(.get, "/v1/chambers/\(chamber.id)/standings?status=trial", token: staff.accessToken)
            #expect(trials.json["items"].array.map { $0["user_id"].string } == [apu.userID])
            #expect(try await api.call(.get, "/v1/chambers/\(chamber.id)/standings", token: otto.accessToken).status == .forbidden)
            #expect(
                try await api.call(.get, "/v1/chambers/\(chamber.id)/standings?status=gone", token: staff.accessToken).errorCode
                    == "validation_failed")

            // The job, on its clock: nothing before the trial ends; grace the day after, told once, however many run.
            let job = Job(api, at: approvedAt)
            #expect(try await job.run(chamber.id, at: Self.days(13, after: approvedAt)) == 0)
            let nodes = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<3 { group.addTask { try await job.run(chamber.id, at: Self.days(15, after: approvedAt)) } }
                return try await group.reduce(0, +)
            }
            #expect(nodes == 1, "three jobs at once move the membership once")
            #expect(try await api.call(.get, path, token: apu.accessToken).json["standing"]["status"].string == "grace")
            let toldGrace = try await Self.mail(api, to: apu.email, kind: .membership).map(\.subject).filter { $0.contains("your membership is") }
            #expect(toldGrace == ["Shelbyville Chamber: your membership is grace"])
            #expect(job.mail.to(staff.email).first?.body.contains("trial → grace") == true, "staff get the day's list")

            // Lapsed past the grace days: the open socket is sent to pick up its new rights, and sends are refused.
            let socket = try await HubTests.socket(api, apu, chamber.id)
            #expect(try await job.run(chamber.id, at: Self.days(14 + 31, after: approvedAt)) == 1)
            #expect(try await socket.closeCode(timeout: .seconds(30)) == 4005)
            let lapsed = try await api.call(.get, path, token: apu.accessToken)
            #expect(lapsed.json["standing"]["status"].string == "lapsed")
            #expect(lapsed.json["standing"]["privileges"] == JSON(any: ["chat": false, "directory_listing": false, "member_prices": false]))
            let dm = try await api.call(.post, "/v1/chambers/\(chamber.id)/channels/direct", token: otto.accessToken, json: ["user_id": apu.userID])
            let dmID = dm.json["id"].string ?? ""
            let again = try await HubTests.socket(api, apu, chamber.id)
            let refused = try await again.request(
                ["type": "send", "channel_id": dmID, "client_message_id": "l-1", "body": "hello?"], expect: "ack", expectError: true)
            #expect(refused["type"].string == "error" && refused["code"].string == "membership_inactive", "\(refused)")
            let rest = try await api.call(
                .post, "/v1/chambers/\(chamber.id)/channels/\(dmID)/messages", token: apu.accessToken,
                json: ["client_message_id": "l-2", "body": "hello?"])
            #expect(rest.status == .forbidden && rest.errorCode == "membership_inactive")

            // Staff act on the wall clock: the trial ended 45 days ago by it too, as it did by the job's.
            try await api.store.database.query(
                "UPDATE memberships SET trial_ends_at = ? WHERE user_id = ?", [.date(Self.days(-45, after: Date())), .text(apu.userID)])
            // Staff record a check: a year from today, active again; the ledger says so. Members cannot.
            #expect(
                try await api.call(.post, path, token: apu.accessToken, json: ["action": "record_payment"]).status == .forbidden)
            let paid = try await api.call(.post, path, token: staff.accessToken, json: ["action": "record_payment", "note": "check 1042"])
            #expect(paid.status == .ok && paid.json["standing"]["status"].string == "active", "\(paid.json)")
            // Lapsed: the paid year starts today.
            let through = try #require(paid.json["standing"]["paid_through"].date)
            #expect(through > Self.days(364, after: Date()) && through < Self.days(367, after: Date()), "\(paid.json)")
            let ledger = try await api.call(.get, path, token: apu.accessToken).json["ledger"].array
            #expect(ledger.first?["kind"].string == "dues_paid" && ledger.first?["amount_cents"].int == 60_000)
            #expect(ledger.first?["note"].string == "offline payment: check 1042" && ledger.first?["recorded_by"].string == staff.userID)
            let back = try await HubTests.socket(api, apu, chamber.id)
            let sent = try await back.request(["type": "send", "channel_id": dmID, "client_message_id": "l-3", "body": "paid!"], expect: "ack")
            #expect(sent["status"].string == "published")

            // Up a tier with the whole year left: the old dues credited, the new charged, the net for billing.
            let platinum = try await api.call(
                .post, "/v1/chambers/\(chamber.id)/tiers", token: staff.accessToken,
                json: ["name": "Platinum", "dues_cents": 120_000, "period": "annual"])
            let changed = try await api.call(
                .post, path, token: staff.accessToken, json: ["action": "change_tier", "tier_id": platinum.json["id"].string ?? ""])
            #expect(changed.status == .ok && changed.json["standing"]["tier_id"] == platinum.json["id"], "\(changed.json)")
            #expect(changed.json["proration"]["credit_cents"].int == 60_000 && changed.json["proration"]["charge_cents"].int == 120_000)
            #expect(changed.json["proration"]["net_cents"].int == 60_000)
            #expect(try await api.call(.get, path, token: staff.accessToken).json["ledger"].array.first?["kind"].string == "proration")
            let same = try await api.call(
                .post, path, token: staff.accessToken, json: ["action": "change_tier", "tier_id": platinum.json["id"].string ?? ""])
            #expect(same.status == .conflict && same.errorCode == "standing_conflict")

            // Suspended with a reason (told), then reinstated to what the dates say; reinstating twice is refused.
            let bare = try await api.call(.post, path, token: staff.accessToken, json: ["action": "suspend"])
            #expect(bare.status == .badRequest && bare.json["error"]["field"].string == "reason")
            let suspended = try await api.call(
                .post, path, token: staff.accessToken, json: ["action": "suspend", "reason": "Complaints under review"])
            #expect(suspended.json["standing"]["status"].string == "suspended" && suspended.json["standing"]["privileges"]["chat"].bool == false)
            #expect(try await job.run(chamber.id, at: Self.days(800, after: approvedAt)) == 0, "the job leaves staff's statuses alone")
            let reinstated = try await api.call(.post, path, token: staff.accessToken, json: ["action": "reinstate"])
            #expect(reinstated.json["standing"]["status"].string == "active", "\(reinstated.json)")
            let twice = try await api.call(.post, path, token: staff.accessToken, json: ["action": "reinstate"])
            #expect(twice.status == .conflict && twice.errorCode == "standing_conflict")
            let told = try await api.store.mailOutbox.deliveries(to: apu.email, limit: 10).map(\.mail)
            #expect(told.contains { $0.subject.hasSuffix("your membership is suspended") && $0.body.contains("Complaints under review") })

            // Many at once: each on its own, the refused named.
            let bulk = try await api.call(
                .post, "/v1/chambers/\(chamber.id)/standings/bulk", token: staff.accessToken,
                json: ["user_ids": [apu.userID, otto.userID], "action": "suspend", "reason": "Annual review"])
            #expect(bulk.status == .ok, "\(bulk.json)")
            #expect(bulk.json["items"][0]["standing"]["standing"]["status"].string == "suspended")
            #expect(bulk.json["items"][1]["user_id"].string == otto.userID && bulk.json["items"][1]["error"]["code"].string == "standing_not_found")
            let twiceNamed = try await api.call(
                .post, "/v1/chambers/\(chamber.id)/standings/bulk", token: staff.accessToken,
                json: ["user_ids": [apu.userID, apu.userID], "action": "reinstate"])
            #expect(twiceNamed.status == .badRequest && twiceNamed.json["error"]["field"].string == "user_ids")
            #expect(
                try await api.call(
                    .post, "/v1/chambers/\(chamber.id)/standings/bulk", token: otto.accessToken,
                    json: ["user_ids": [apu.userID], "action": "reinstate"]
                ).status == .forbidden)
            #expect(
                try await api.call(.post, path, token: staff.accessToken, json: ["action": "reinstate"]).json["standing"]["status"].string == "active"
            )
            // Down a tier in bulk: each changed member's answer carries its proration, as one member's would.
            let down = try await api.call(
                .post, "/v1/chambers/\(chamber.id)/standings/bulk", token: staff.accessToken,
                json: ["user_ids": [apu.userID, otto.userID], "action": "change_tier", "tier_id": chamber.tier])
            #expect(down.json["items"][0]["standing"]["standing"]["tier_id"].string == chamber.tier, "\(down.json)")
            let proration = down.json["items"][0]["standing"]["proration"]
            #expect((proration["credit_cents"].int ?? 0) > (proration["charge_cents"].int ?? 0), "Platinum's unused days credited: \(down.json)")
            #expect(proration["net_cents"].int == (proration["charge_cents"].int ?? 0) - (proration["credit_cents"].int ?? 0))
            #expect(down.json["items"][1]["error"]["code"].string == "standing_not_found")
            let unknownTier = try await api.call(
                .post, "/v1/chambers/\(chamber.id)/standings/bulk", token: staff.accessToken,
                json: ["user_ids": [apu.userID], "action": "change_tier", "tier_id": UUID().uuidString.lowercased()])
            #expect(
                unknownTier.errorCode == "tier_not_found" && unknownTier.json["error"]["field"].string == "tier_id", "one answer for a bad action")

            let audit = try await api.call(.get, "/v1/chambers/\(chamber.id)/audit-log?target=user:\(apu.userID)", token: admin.accessToken)
            // The job's entries carry its clock's (future) dates; staff's the wall clock's.
            #expect(
                audit.json["items"].array.compactMap { $0["action"].string }.sorted() == [
                    "membership.payment_recorded", "membership.reinstated", "membership.reinstated", "membership.status_changed",
                    "membership.status_changed", "membership.suspended", "membership.suspended", "membership.tier_changed",
                    "membership.tier_changed",
                ], "\(audit.json)")
        }
    }
}
