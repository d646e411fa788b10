import AsyncHTTPClient
import ChamberDomain
import ChamberPayments
import ChamberServer
import ChamberStorage
import ChamberTestSupport
import Foundation
import HTTPTypes
import Synchronization
import Testing

/// Membership dues through billing, end to end: a running server (its processor a local Stripe of ours), the dues job
/// run on a test clock as a node runs it, members and staff over REST. The standing follows the invoices.
@Suite("REST: membership dues invoiced, reminded, charged late fees and paid; the standing follows")
struct DuesBillingTests {
    /// The dues job as a node runs it (billing's half of the standing job), on a clock the test moves.
    final class DuesJob: Sendable {
        let clock: MembershipStandingTests.Job.Clock
        let mail = MembershipStandingTests.MailBox()
        let billing: BillingService

        init(_ api: TestAPI, provider: (any PaymentProvider)? = nil) {
            let clock = MembershipStandingTests.Job.Clock(Date())
            self.clock = clock
            billing = BillingService(store: api.store, provider: provider, mailer: mail) { clock.now.withLock { $0 } }
        }

        func run(_ chamberID: String, at date: Date) async throws -> Int {
            clock.now.withLock { $0 = date }
            return try await billing.runDues(chamberID: ChamberID(chamberID))
        }
    }

    static func days(_ count: Int, after date: Date) -> Date { date.addingTimeInterval(TimeInterval(count) * 86_400) }

    static func today() -> Date { DuesCalendar.day(Date()) }

    static func invoices(_ api: TestAPI, _ chamber: String, of member: Account) async throws -> [JSON] {
        try await api.call(.get, "/v1/chambers/\(chamber)/invoices", token: member.accessToken).json["items"].array
    }

    static func standing(_ api: TestAPI, _ chamber: String, of member: Account) async throws -> JSON {
        try await api.call(.get, "/v1/chambers/\(chamber)/members/\(member.userID)/standing", token: member.accessToken).json
    }

    @Test("a member whose e-mail level for billing is none is invoiced all the same, without a mail", arguments: TestBackend.enabled)
    func billingMailRefused(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let (admin, staff, apu) = (try await api.signUp("admin"), try await api.signUp("stella"), try await api.signUp("apu"))
            let chamber = try await MembershipApplicationTests.chamber(api, admin: admin, staff: staff)
            try await MembershipStandingTests.approved(api, apu, chamber: chamber.id, tier: chamber.tier, staff: staff)
            let preferences = try await api.call(
                .patch, "/v1/chambers/\(chamber.id)/notification-preferences", token: apu.accessToken,
                json: ["categories": ["billing": ["email": "none"]]])
            #expect(preferences.status == .ok, "\(preferences.json)")
            let job = DuesJob(api)
            #expect(try await job.run(chamber.id, at: Date()) == 1)
            #expect(try await Self.invoices(api, chamber.id, of: apu).count == 1)
            #expect(try await MembershipStandingTests.mail(api, to: apu.email, kind: .billing).isEmpty)
            // The notice itself was recorded (in the feed, by the in-app level): only its mail was left out.
            let feed = try await api.call(.get, "/v1/chambers/\(chamber.id)/notifications", token: apu.accessToken).json
            #expect(feed["items"].array.filter { $0["category"].string == "billing" }.count == 1, "\(feed)")
        }
    }

    @Test(
        "annual dues: invoiced once on approval, paid by card once though its webhook comes three times; renewed ahead, reminded, a late fee once, paid at the desk",
        arguments: TestBackend.enabled)
    func year(_ backend: TestBackend) async throws {
        try await CardPaymentTests.withStripe(backend) { api, stripe in
            let (admin, staff, apu) = (try await api.signUp("admin"), try await api.signUp("stella"), try await api.signUp("apu"))
            let chamber = try await MembershipApplicationTests.chamber(api, admin: admin, staff: staff)
            let set = try await api.call(
                .patch, "/v1/chambers/\(chamber.id)", token: admin.accessToken,
                json: ["settings": ["membership": ["late_fee_minor": 2_500, "late_fee_after_days": 14]]])
            #expect(
                set.json["settings"]["membership"]
                    == JSON(any: [
                        "trial_days": 0, "grace_days": 30, "renewal": "anniversary", "invoice_days_before": 30, "late_fee_minor": 2_500,
                        "late_fee_after_days": 14,
                    ]), "\(set.json)")
            let refused = try await api.call(
                .patch, "/v1/chambers/\(chamber.id)", token: admin.accessToken, json: ["settings": ["membership": ["late_fee_minor": -1]]])
            #expect(refused.errorCode == "validation_failed" && refused.json["error"]["field"].string == "settings.membership.late_fee_minor")
            try await MembershipStandingTests.approved(api, apu, chamber: chamber.id, tier: chamber.tier, staff: staff)
            #expect(try await Self.standing(api, chamber.id, of: apu)["standing"]["status"].string == "pending")

            // Invoiced at once (never paid), once however many nodes run the job.
            let job = DuesJob(api)
            let runs = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<3 { group.addTask { try await job.run(chamber.id, at: Date()) } }
                return try await group.reduce(0, +)
            }
            #expect(runs == 1, "three jobs at once write one invoice")
            let first = try #require(try await Self.invoices(api, chamber.id, of: apu).first)
            #expect(try await Self.invoices(api, chamber.id, of: apu).count == 1)
            #expect(first["status"].string == "open" && first["total_minor"].int == 60_000, "\(first)")
            #expect(first["dues"]["kind"].string == "period" && first["dues"]["tier_id"].string == chamber.tier, "\(first)")
            #expect(first["dues"]["period_start"].date == Self.today() && first["due_at"].date == Self.days(14, after: Self.today()), "\(first)")
            let mailed = try await MembershipStandingTests.mail(api, to: apu.email, kind: .billing)
            #expect(mailed.first?.body.contains("600.00 USD due on") == true, "\(mailed)")
            let path = "/v1/chambers/\(chamber.id)/members/\(apu.userID)/standing"
            let byHand = try await api.call(.post, path, token: staff.accessToken, json: ["action": "record_payment", "note": "check"])
            #expect(byHand.status == .conflict && byHand.errorCode == "standing_conflict", "dues invoiced are paid on the invoice: \(byHand.json)")

            // Paid by card; the processor's webhook three times adds nothing.
            let id = first["id"].string ?? ""
            let paid = try await api.call(
                .post, "/v1/chambers/\(chamber.id)/invoices/\(id)/card-payments", token: apu.accessToken, json: ["payment_method": "pm_card_visa"],
                headers: BillingTests.key("apu-dues"))
            #expect(paid.status == .ok && paid.json["invoice"]["status"].string == "paid", "\(paid.json)")
            let intent = try #require(stripe.intents.first)
            let event = stripe.event("payment_intent.succeeded", of: intent)
            for _ in 0..<3 { #expect(try await stripe.deliver(event, to: CardPaymentTests.webhookURL(api)).status == 200) }
            let active = try await Self.standing(api, chamber.id, of: apu)
            let paidThrough = try #require(active["standing"]["paid_through"].date)
            var utc = Calendar(identifier: .gregorian)
            utc.timeZone = .gmt
            #expect(active["standing"]["status"].string == "active", "\(active)")
            #expect(paidThrough == utc.date(byAdding: .year, value: 1, to: Self.today()), "a year from today: \(active)")
            let duesPaid = active["ledger"].array.filter { $0["kind"].string == "dues_paid" }
            #expect(duesPaid.count == 1 && duesPaid.first?["id"].string == id && duesPaid.first?["amount_cents"].int == 60_000, "\(active)")
            #expect(try await job.run(chamber.id, at: Date()) == 0, "a paid year is not invoiced again")

            // Renewal: invoiced 30 days ahead, due as the new year starts; reminded a week ahead, overdue, then the fee.
            #expect(try await job.run(chamber.id, at: Self.days(-31, after: paidThrough)) == 0)
            #expect(try await job.run(chamber.id, at: Self.days(-30, after: paidThrough)) == 1)
            let renewal = try #require(try await Self.invoices(api, chamber.id, of: apu).first { $0["status"].string == "open" })
            #expect(renewal["dues"]["period_start"].date == paidThrough && renewal["due_at"].date == paidThrough, "\(renewal)")
            #expect(try await job.run(chamber.id, at: Self.days(-8, after: paidThrough)) == 0)
            #expect(try await job.run(chamber.id, at: Self.days(-7, after: paidThrough)) == 1)
            #expect(try await job.run(chamber.id, at: Self.days(-6, after: paidThrough)) == 0, "each reminder once")
            #expect(try await job.run(chamber.id, at: Self.days(1, after: paidThrough)) == 1)
            let grace = MembershipStandingTests.Job(api, at: paidThrough)
            #expect(try await grace.run(chamber.id, at: Self.days(1, after: paidThrough)) == 1)
            #expect(try await Self.standing(api, chamber.id, of: apu)["standing"]["status"].string == "grace")
            let fees = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<3 { group.addTask { try await job.run(chamber.id, at: Self.days(14, after: paidThrough)) } }
                return try await group.reduce(0, +)
            }
            #expect(fees == 1, "the late fee once, however many nodes run")
            let subjects = try await MembershipStandingTests.mail(api, to: apu.email, kind: .billing).map(\.subject)
            #expect(subjects.filter { $0.contains("is due on") }.count == 1 && subjects.filter { $0.contains("overdue") }.count == 1, "\(subjects)")
            #expect(subjects.filter { $0.contains("late fee") }.count == 1, "\(subjects)")
            let renewalID = renewal["id"].string ?? ""
            let late = try await api.call(.get, "/v1/chambers/\(chamber.id)/invoices/\(renewalID)", token: apu.accessToken)
            #expect(late.json["fees_minor"].int == 2_500 && late.json["amount_due_minor"].int == 62_500, "\(late.json)")
            #expect(late.json["entries"].array.map { $0["kind"].string ?? "" } == ["invoice_issued", "fee"], "\(late.json)")

            // Paid at the desk: active again, the new year running on from where the last ended.
            let desk = try await api.call(
                .post, "/v1/chambers/\(chamber.id)/invoices/\(renewalID)/payments", token: staff.accessToken,
                json: ["amount_minor": 62_500, "method": "cheque", "reference": "1042"], headers: BillingTests.key("apu-renewal"))
            #expect(desk.status == .ok && desk.json["status"].string == "paid", "\(desk.json)")
            let renewed = try await Self.standing(api, chamber.id, of: apu)
            #expect(renewed["standing"]["status"].string == "active", "\(renewed)")
            #expect(renewed["standing"]["paid_through"].date == renewal["dues"]["period_end"].date, "\(renewed)")
            #expect(renewed["standing"]["period_start"].date == paidThrough, "grace days are not free days: \(renewed)")
            let check = try await api.call(.get, "/v1/chambers/\(chamber.id)/billing/ledger-check", token: staff.accessToken)
            #expect(check.json["balanced"].bool == true && check.json["invoices_checked"].int == 2, "\(check.json)")
            let report = try await api.call(
                .get, "/v1/chambers/\(chamber.id)/billing/report?from=\(CalendarDay.text(Self.days(-1, after: Date())))", token: staff.accessToken)
            let dues = report.json["revenue"].array.filter { $0["source"].string == "dues" }
            #expect(dues.allSatisfy { $0["tier"].string == "Gold" }, "\(report.json)")
            #expect(
                Set(dues.map { "\($0["method"].string ?? "") \($0["received_minor"].int ?? 0)" }) == ["card 60000", "cheque 62500"], "\(report.json)")
        }
    }

    @Test(
        "a tier change mid-year: a dearer tier's days left invoiced at once; a cheaper tier's credit taken off the next dues, carried on",
        arguments: TestBackend.enabled)
    func tierChange(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let (admin, staff, apu) = (try await api.signUp("admin"), try await api.signUp("stella"), try await api.signUp("apu"))
            let chamber = try await MembershipApplicationTests.chamber(api, admin: admin, staff: staff)
            var tiers: [String: String] = [:]
            for (name, dues) in [("Silver", 36_500), ("Platinum", 80_000)] {
                let tier = try await api.call(
                    .post, "/v1/chambers/\(chamber.id)/tiers", token: staff.accessToken, json: ["name": name, "dues_cents": dues, "period": "annual"])
                tiers[name] = tier.json["id"].string
            }
            try await MembershipStandingTests.approved(api, apu, chamber: chamber.id, tier: chamber.tier, staff: staff)
            let job = DuesJob(api)
            #expect(try await job.run(chamber.id, at: Date()) == 1)
            let first = try #require(try await Self.invoices(api, chamber.id, of: apu).first)
            let paid = try await api.call(
                .post, "/v1/chambers/\(chamber.id)/invoices/\(first["id"].string ?? "")/payments", token: staff.accessToken,
                json: ["amount_minor": 60_000, "method": "bank_transfer", "reference": "TX-1"], headers: BillingTests.key("first"))
            #expect(paid.json["status"].string == "paid", "\(paid.json)")
            let path = "/v1/chambers/\(chamber.id)/members/\(apu.userID)/standing"
            let paidThrough = try #require(try await Self.standing(api, chamber.id, of: apu)["standing"]["paid_through"].date)

            // Up to Platinum: the net of the days left is invoiced at once.
            let up = try await api.call(.post, path, token: staff.accessToken, json: ["action": "change_tier", "tier_id": tiers["Platinum"] ?? ""])
            #expect(up.status == .ok, "\(up.json)")
            let net = up.json["proration"]["net_cents"].int ?? 0
            #expect(net > 0 && net == (up.json["proration"]["charge_cents"].int ?? 0) - (up.json["proration"]["credit_cents"].int ?? 0), "\(up.json)")
            let upgrade = try #require(try await Self.invoices(api, chamber.id, of: apu).first { $0["dues"]["kind"].string == "proration" })
            #expect(upgrade["status"].string == "open" && upgrade["total_minor"].int == net, "\(upgrade)")
            #expect(upgrade["dues"]["tier_id"].string == tiers["Platinum"] && upgrade["dues"]["period_end"].date == paidThrough, "\(upgrade)")
            #expect(upgrade["lines"][0]["description"].string?.contains("Gold → Platinum") == true, "\(upgrade)")
            let settled = try await api.call(
                .post, "/v1/chambers/\(chamber.id)/invoices/\(upgrade["id"].string ?? "")/payments", token: staff.accessToken,
                json: ["amount_minor": net, "method": "cash"], headers: BillingTests.key("upgrade"))
            #expect(settled.json["status"].string == "paid", "\(settled.json)")
            #expect(
                try await Self.standing(api, chamber.id, of: apu)["standing"]["paid_through"].date == paidThrough,
                "a tier change's invoice moves no dates")

            // Down to Silver: owed to the member, no invoice; the credit pays the next dues and the rest is carried.
            let down = try await api.call(.post, path, token: staff.accessToken, json: ["action": "change_tier", "tier_id": tiers["Silver"] ?? ""])
            let credit = -(down.json["proration"]["net_cents"].int ?? 0)
            #expect(credit > 36_500, "\(down.json)")
            #expect(try await Self.invoices(api, chamber.id, of: apu).count == 2, "a credit is not invoiced")
            #expect(try await job.run(chamber.id, at: Self.days(-30, after: paidThrough)) == 1)
            let renewal = try #require(try await Self.invoices(api, chamber.id, of: apu).first { $0["dues"]["period_start"].date == paidThrough })
            let renewalBody = try await api.call(.get, "/v1/chambers/\(chamber.id)/invoices/\(renewal["id"].string ?? "")", token: apu.accessToken)
                .json
            #expect(renewalBody["status"].string == "paid" && renewalBody["total_minor"].int == 36_500, "\(renewalBody)")
            #expect(
                renewalBody["entries"].array.map { $0["method"].string ?? $0["kind"].string ?? "" } == ["invoice_issued", "account_credit"],
                "\(renewalBody)")
            let renewed = try await Self.standing(api, chamber.id, of: apu)
            #expect(renewed["standing"]["paid_through"].date == renewal["dues"]["period_end"].date, "paid by the credit: \(renewed)")
            let nextStart = try #require(renewal["dues"]["period_end"].date)
            #expect(try await job.run(chamber.id, at: Self.days(-30, after: nextStart)) == 1)
            let third = try #require(try await Self.invoices(api, chamber.id, of: apu).first { $0["dues"]["period_start"].date == nextStart })
            #expect(third["status"].string == "open" && third["amount_due_minor"].int == 36_500 - (credit - 36_500), "the rest carried: \(third)")
            // Each dues notice says what is owed once the credit is taken off (written as the invoice is issued).
            let mails = try await MembershipStandingTests.mail(api, to: apu.email, kind: .billing).map(\.body)
            #expect(mails.contains { $0.hasPrefix("Your membership dues (invoice \(renewal["number"].string ?? "?")) came to nothing") }, "\(mails)")
            let owed = third["amount_due_minor"].int ?? 0
            let owedText = "\(owed / 100).\(String(format: "%02d", owed % 100)) USD"
            #expect(
                mails.contains {
                    $0.hasPrefix("Your membership dues are invoiced: \(owedText) due on") && $0.contains(third["number"].string ?? "?")
                },
                "\(mails)")
            let check = try await api.call(.get, "/v1/chambers/\(chamber.id)/billing/ledger-check", token: staff.accessToken)
            #expect(check.json["balanced"].bool == true && check.json["invoices_checked"].int == 4, "\(check.json)")
        }
    }

    @Test(
        "autopay: a member saves a card through a SetupIntent their app confirms and turns autopay on; dues are charged off-session on the due date, once; a bank that wants the payer refuses, recorded and mailed",
        arguments: TestBackend.enabled)
    func autopay(_ backend: TestBackend) async throws {
        try await CardPaymentTests.withStripe(backend) { api, stripe in
            let (admin, staff) = (try await api.signUp("admin"), try await api.signUp("stella"))
            let (apu, moe) = (try await api.signUp("apu"), try await api.signUp("moe"))
            let chamber = try await MembershipApplicationTests.chamber(api, admin: admin, staff: staff)
            try await MembershipStandingTests.approved(api, apu, chamber: chamber.id, tier: chamber.tier, staff: staff)
            try await MembershipStandingTests.approved(
                api, moe, chamber: chamber.id, tier: chamber.tier, staff: staff,
                steps: MembershipApplicationTests.steps(tier: chamber.tier, ein: "98-7654321", name: "Moe's Tavern LLC", email: "moe@moes.example"))
            let card = "/v1/chambers/\(chamber.id)/billing/card"
            #expect(try await api.call(.get, card, token: apu.accessToken).errorCode == "saved_card_not_found")

            // Each saves a card: a setup, confirmed by the app with the processor, then kept.
            var setups: [String: String] = [:]
            for (member, method) in [(apu, "pm_card_visa"), (moe, "pm_card_authenticationRequired")] {
                let setup = try await api.call(.post, "\(card)/setup", token: member.accessToken)
                #expect(setup.status == .created && setup.json["client_secret"].string?.contains("_secret_") == true, "\(setup.json)")
                let id = setup.json["setup_intent_id"].string ?? ""
                setups[member.userID] = id
                let early = try await api.call(.put, card, token: member.accessToken, json: ["setup_intent_id": id])
                #expect(early.errorCode == "validation_failed" && early.json["error"]["field"].string == "setup_intent_id", "not confirmed yet")
                stripe.confirmSetup(id, paymentMethod: method)
            }
            let stolen = try await api.call(.put, card, token: moe.accessToken, json: ["setup_intent_id": setups[apu.userID] ?? ""])
            #expect(
                stolen.errorCode == "validation_failed" && stolen.json["error"]["message"].string?.contains("not yours") == true, "\(stolen.json)")
            for member in [apu, moe] {
                let kept = try await api.call(.put, card, token: member.accessToken, json: ["setup_intent_id": setups[member.userID] ?? ""])
                #expect(kept.status == .ok && kept.json["autopay"].bool == false && kept.json["exp_year"].int == 2030, "\(kept.json)")
                let on = try await api.call(.patch, card, token: member.accessToken, json: ["autopay": true])
                #expect(on.json["autopay"].bool == true, "\(on.json)")
            }
            #expect(try await api.call(.get, card, token: apu.accessToken).json["last4"].string == "4242")

            // Invoiced now, due in 14 days: nothing charged before the due date, then each once.
            let job = DuesJob(api, provider: StripeClient(http: HTTPClient.shared, secretKey: stripe.secretKey, apiBase: stripe.apiBase))
            #expect(try await job.run(chamber.id, at: Date()) == 2)
            _ = try await job.run(chamber.id, at: Self.days(13, after: Date()))
            #expect(stripe.intents.isEmpty && stripe.offSessionCharges.isEmpty, "nothing charged before the due date")
            let due = Self.days(15, after: Date())
            _ = try await job.run(chamber.id, at: due)
            _ = try await job.run(chamber.id, at: Self.days(1, after: due))
            #expect(stripe.offSessionCharges.count == 2 && stripe.intents.count == 1, "one charge each, one of them refused")
            let apuInvoice = try #require(try await Self.invoices(api, chamber.id, of: apu).first)
            #expect(apuInvoice["status"].string == "paid", "\(apuInvoice)")
            #expect(try await Self.standing(api, chamber.id, of: apu)["standing"]["status"].string == "active")
            let moeInvoice = try #require(try await Self.invoices(api, chamber.id, of: moe).first)
            let moeBody = try await api.call(.get, "/v1/chambers/\(chamber.id)/invoices/\(moeInvoice["id"].string ?? "")", token: moe.accessToken)
                .json
            #expect(moeBody["status"].string == "open", "\(moeBody)")
            #expect(moeBody["entries"].array.last?["reference"].string?.contains("authentication_required") == true, "\(moeBody)")
            #expect(job.mail.to(moe.email).contains { $0.subject.contains("did not go through") }, "\(job.mail.to(moe.email).map(\.subject))")

            // Forgotten: no card, no autopay.
            #expect(try await api.call(.delete, card, token: apu.accessToken).status == .noContent)
            #expect(try await api.call(.get, card, token: apu.accessToken).errorCode == "saved_card_not_found")
            #expect(stripe.detached == ["pm_card_visa"], "detached at the processor: \(stripe.detached)")
        }
    }

    @Test(
        "a free tier's dues are paid as they are invoiced, once; a tier change before paying voids the dues at the old price, the job bills the new",
        arguments: TestBackend.enabled)
    func freeTierAndRepricing(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let (admin, staff) = (try await api.signUp("admin"), try await api.signUp("stella"))
            let (apu, moe) = (try await api.signUp("apu"), try await api.signUp("moe"))
            let chamber = try await MembershipApplicationTests.chamber(api, admin: admin, staff: staff)
            let community = try await api.call(
                .post, "/v1/chambers/\(chamber.id)/tiers", token: staff.accessToken, json: ["name": "Community", "dues_cents": 0, "period": "annual"])
            let free = community.json["id"].string ?? ""
            try await MembershipStandingTests.approved(api, apu, chamber: chamber.id, tier: free, staff: staff)
            try await MembershipStandingTests.approved(
                api, moe, chamber: chamber.id, tier: chamber.tier, staff: staff,
                steps: MembershipApplicationTests.steps(tier: chamber.tier, ein: "98-7654321", name: "Moe's Tavern LLC", email: "moe@moes.example"))
            let job = DuesJob(api)
            #expect(try await job.run(chamber.id, at: Date()) == 2)
            let zero = try await Self.invoices(api, chamber.id, of: apu)
            #expect(zero.count == 1 && zero.first?["status"].string == "paid" && zero.first?["total_minor"].int == 0, "\(zero)")
            #expect(try await Self.standing(api, chamber.id, of: apu)["standing"]["status"].string == "active", "paid by being free")
            #expect(try await job.run(chamber.id, at: Self.days(1, after: Date())) == 0, "not invoiced anew the next day")
            #expect(try await Self.invoices(api, chamber.id, of: apu).count == 1)

            // Moe owes Gold's 60,000; moved to the free tier before paying, that invoice is voided and the free one paid.
            let moved = try await api.call(
                .post, "/v1/chambers/\(chamber.id)/members/\(moe.userID)/standing", token: staff.accessToken,
                json: ["action": "change_tier", "tier_id": free])
            #expect(moved.status == .ok, "\(moved.json)")
            let voided = try await Self.invoices(api, chamber.id, of: moe)
            #expect(voided.count == 1 && voided.first?["status"].string == "void" && voided.first?["total_minor"].int == 60_000, "\(voided)")
            #expect(try await job.run(chamber.id, at: Date()) == 1)
            let billed = try await Self.invoices(api, chamber.id, of: moe).first { $0["status"].string != "void" }
            #expect(billed?["status"].string == "paid" && billed?["dues"]["tier_id"].string == free, "\(String(describing: billed))")
            let check = try await api.call(.get, "/v1/chambers/\(chamber.id)/billing/ledger-check", token: staff.accessToken)
            #expect(check.json["balanced"].bool == true && check.json["invoices_checked"].int == 3, "\(check.json)")
        }
    }
}
