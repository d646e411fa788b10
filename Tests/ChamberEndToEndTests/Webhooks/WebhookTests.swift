import ChamberDomain
import ChamberServer
import ChamberTestSupport
import Foundation
import HTTPTypes
import Testing

/// A chamber's own webhooks end to end: a running server posts to a local integration that checks signatures and
/// fails as scripted; admins manage endpoints and read deliveries over REST.
@Suite("REST: webhooks out, signed and retried from a durable outbox, once per event")
struct WebhookTests {
    static func withReceiver(
        _ backend: TestBackend, _ test: @escaping @Sendable (TestAPI, WebhookReceiver) async throws -> Void
    ) async throws {
        try await WebhookReceiver.run { receiver in
            // A database of its own: on a shared one, other tests' servers (stopped mid-send) would hold its deliveries' leases.
            try await withServer(
                backend, isolated: true,
                configure: {
                    $0.webhooksAllowInsecureURLs = true
                    $0.webhookRetryBaseSeconds = 1
                }
            ) { api in try await test(api, receiver) }
        }
    }

    @Test(
        "payments and paid invoices reach an endpoint signed, a failing endpoint is retried with backoff, once per event; pinged, sent again, disabled",
        arguments: TestBackend.enabled)
    func delivered(_ backend: TestBackend) async throws {
        try await Self.withReceiver(backend) { api, receiver in
            let chamber = try await EventTests.chamber(api, members: 1)
            let (admin, ann) = (chamber.admin, chamber.members[0])
            let hooks = "\(chamber.path)/webhooks"
            for (body, field) in [
                (["url": "ftp://example.org/x", "events": ["invoice.paid"]], "url"),
                (["url": receiver.url, "events": ["invoice.cashed"]], "events[0]"),
                (["url": receiver.url, "events": []], "events"), (["url": receiver.url], "events"),
            ] as [([String: Any], String)] {
                let refused = try await api.call(.post, hooks, token: admin.accessToken, json: body)
                #expect(refused.status == .badRequest && refused.json["error"]["field"].string == field, "\(refused.json)")
            }
            #expect(
                try await api.call(.post, hooks, token: chamber.staff.accessToken, json: ["url": receiver.url, "events": ["invoice.paid"]]).status
                    == .forbidden, "admins only")
            let created = try await api.call(
                .post, hooks, token: admin.accessToken,
                json: [
                    "url": receiver.url, "description": "Accounting", "events": ["payment.succeeded", "invoice.paid", "membership.status_changed"],
                ])
            #expect(created.status == .created, "\(created.json)")
            let endpoint = created.json["id"].string ?? ""
            let secret = created.json["secret"].string ?? ""
            #expect(secret.hasPrefix("whsec_") && created.json["events"].array.count == 3, "\(created.json)")
            receiver.expect(secret: secret)
            receiver.answer([500, 503])

            // A cheque pays an invoice: a payment and a paid invoice, each told once though the first attempts fail.
            let invoice = try await BillingTests.invoice(api, chamber, to: ann, lines: [("Gala table", 1, 25_000)])
            let id = invoice["id"].string ?? ""
            for _ in 0..<2 {
                let paid = try await api.call(
                    .post, "\(chamber.path)/invoices/\(id)/payments", token: chamber.staff.accessToken,
                    json: ["amount_minor": 25_000, "method": "cheque", "reference": "1042"], headers: BillingTests.key("gala"))
                #expect(paid.json["status"].string == "paid", "\(paid.json)")
            }
            try await eventually("both events delivered after the failures") {
                guard Set(receiver.received.filter { $0.signed }.map(\.type)) == ["payment.succeeded", "invoice.paid"] else { return false }
                let delivered = try? await api.call(.get, "\(hooks)/\(endpoint)/deliveries?status=delivered", token: admin.accessToken)
                return delivered?.json["items"].array.count == 2
            }
            let received = receiver.received
            #expect(received.count == 4 && received.allSatisfy(\.signed), "two failed attempts, then one of each: \(received.map(\.type))")
            #expect(Set(received.map(\.eventID)).count == 2, "the same event id on every attempt")
            #expect(!received.contains { $0.type == "invoice.issued" }, "an event the endpoint does not take is not sent")
            let payment = try #require(received.last { $0.type == "payment.succeeded" })
            #expect(payment.json["chamber_id"].string == chamber.id && payment.json["id"].string == payment.eventID, "\(payment.body)")
            #expect(payment.json["data"]["amount_minor"].int == 25_000 && payment.json["data"]["method"].string == "cheque", "\(payment.body)")
            #expect(payment.json["data"]["invoice_id"].string == id && payment.json["data"]["number"].string?.hasPrefix("INV-") == true)
            let deliveries = try await api.call(.get, "\(hooks)/\(endpoint)/deliveries", token: admin.accessToken).json["items"].array
            #expect(deliveries.map { $0["attempts"].int ?? 0 }.reduce(0, +) == 4, "\(deliveries)")
            #expect(deliveries.allSatisfy { $0["status"].string == "delivered" && $0["last_status_code"].int == 200 }, "\(deliveries)")

            // Sent again on request: the same body and event id.
            let again = try await api.call(
                .post, "\(hooks)/\(endpoint)/deliveries/\(deliveries[0]["id"].string ?? "")/redeliver", token: admin.accessToken)
            #expect(again.status == .accepted && again.json["status"].string == "pending", "\(again.json)")
            try await eventually("the delivery sent again") { receiver.received.count == 5 }
            #expect(receiver.received.last?.body == deliveries[0]["body"].string && receiver.received.last?.signed == true)
            #expect(
                try await api.call(.post, "\(hooks)/\(endpoint)/deliveries/nope/redeliver", token: admin.accessToken).errorCode
                    == "webhook_delivery_not_found")

            // A ping, whatever the endpoint takes; then disabled, it is sent nothing new.
            let ping = try await api.call(.post, "\(hooks)/\(endpoint)/ping", token: admin.accessToken)
            #expect(ping.status == .accepted)
            try await eventually("the ping") { receiver.received.contains { $0.type == "webhook.ping" && $0.signed } }
            let off = try await api.call(.patch, "\(hooks)/\(endpoint)", token: admin.accessToken, json: ["active": false, "description": NSNull()])
            #expect(off.json["active"].bool == false && off.json["description"].isNull, "\(off.json)")
            let second = try await BillingTests.invoice(api, chamber, to: ann, lines: [("Lunch", 1, 1_500)])
            _ = try await api.call(
                .post, "\(chamber.path)/invoices/\(second["id"].string ?? "")/payments", token: chamber.staff.accessToken,
                json: ["amount_minor": 1_500, "method": "cash"], headers: BillingTests.key("lunch"))
            try await Task.sleep(for: .seconds(2))
            #expect(receiver.received.count == 6, "nothing to a disabled endpoint")

            // Another chamber's admin sees none of it.
            let other = try await EventTests.chamber(api, members: 0)
            #expect(
                try await api.call(.get, "\(other.path)/webhooks/\(endpoint)", token: other.admin.accessToken).errorCode
                    == "webhook_endpoint_not_found")
            #expect(try await api.call(.get, "\(other.path)/webhooks", token: other.admin.accessToken).json["items"].array.isEmpty)
            #expect(try await api.call(.delete, "\(hooks)/\(endpoint)", token: admin.accessToken).status == .noContent)
            #expect(try await api.call(.get, hooks, token: admin.accessToken).json["items"].array.isEmpty)
        }
    }

    @Test(
        "an application submitted and approved, event registrations (a walk-in's too) and a reported message reach the endpoint once each, signed; a lapse is queued",
        arguments: TestBackend.enabled)
    func domainEvents(_ backend: TestBackend) async throws {
        try await Self.withReceiver(backend) { api, receiver in
            let (admin, staff, apu) = (try await api.signUp("admin"), try await api.signUp("stella"), try await api.signUp("apu"))
            let chamber = try await MembershipApplicationTests.chamber(api, admin: admin, staff: staff)
            let created = try await api.call(
                .post, "/v1/chambers/\(chamber.id)/webhooks", token: admin.accessToken,
                json: [
                    "url": receiver.url,
                    "events": ["membership.applied", "membership.approved", "event.registered", "message.reported", "membership.lapsed"],
                ])
            #expect(created.status == .created, "\(created.json)")
            receiver.expect(secret: created.json["secret"].string ?? "")

            let trial = try await api.call(
                .patch, "/v1/chambers/\(chamber.id)", token: admin.accessToken, json: ["settings": ["membership": ["trial_days": 14]]])
            #expect(trial.status == .ok, "\(trial.json)")
            let approvedAt = Date()
            let started = try await api.call(.post, "/v1/applications", token: apu.accessToken, json: ["chamber_id": chamber.id])
            let applicationID = started.json["application"]["id"].string ?? ""
            try await MembershipApplicationTests.fill(api, apu, applicationID, MembershipApplicationTests.steps(tier: chamber.tier))
            #expect(try await api.call(.post, "/v1/applications/\(applicationID)/submit", token: apu.accessToken).status == .ok)
            let decided = try await api.call(
                .post, "/v1/chambers/\(chamber.id)/applications/\(applicationID)/decision", token: staff.accessToken, json: ["decision": "approve"])
            #expect(decided.json["status"].string == "approved", "\(decided.json)")

            let room = EventTests.Chamber(id: chamber.id, admin: admin, staff: staff, members: [apu])
            let event = try await EventTests.event(api, room, capacity: 10, tickets: [["name": "Free"]])
            let registered = try await EventTests.register(api, room, apu, event: event.id, ticket: event.tickets[0])
            #expect(registered.status == .created, "\(registered.json)")
            let walkIn = try await api.call(
                .post, "/v1/chambers/\(chamber.id)/events/\(event.id)/walk-ins", token: staff.accessToken, json: ["name": "Walker"])
            #expect(walkIn.status == .created, "\(walkIn.json)")

            // The trial ends, grace passes: lapsed.
            let job = MembershipStandingTests.Job(api, at: approvedAt)
            #expect(try await job.run(chamber.id, at: MembershipStandingTests.days(15, after: approvedAt)) == 1)
            #expect(try await job.run(chamber.id, at: MembershipStandingTests.days(14 + 31, after: approvedAt)) == 1)

            let news = try await api.call(
                .post, "/v1/chambers/\(chamber.id)/channels", token: admin.accessToken, json: ["kind": "announcement", "name": "News"])
            let sent = try await api.call(
                .post, "/v1/chambers/\(chamber.id)/channels/\(news.json["id"].string ?? "")/messages", token: admin.accessToken,
                json: ["client_message_id": "hook-1", "body": "Members' mixer on Friday"])
            let messageID = sent.json["message"]["id"].string ?? ""
            let report = try await api.call(
                .post, "/v1/chambers/\(chamber.id)/messages/\(messageID)/reports", token: apu.accessToken, json: ["reason": "Spam"])
            #expect(report.status == .noContent, "\(news.json) \(sent.json) \(report.json)")

            try await eventually("four kinds of event") { Set(receiver.received.map(\.type)).count == 4 && receiver.received.count >= 5 }
            try await Task.sleep(for: .milliseconds(500))
            let received = receiver.received
            #expect(received.allSatisfy(\.signed) && received.count == 5, "each once (two registrations): \(received.map(\.type))")
            let byType = Dictionary(received.map { ($0.type, $0.json["data"]) }, uniquingKeysWith: { first, _ in first })
            #expect(byType["membership.applied"]?["application_id"].string == applicationID)
            #expect(byType["membership.applied"]?["legal_name"].string == "Kwik-E-Mart LLC")
            #expect(byType["membership.approved"]?["user_id"].string == apu.userID && byType["membership.approved"]?["automatic"].bool == false)
            #expect(byType["membership.approved"]?["business_id"].string == decided.json["business_id"].string)
            let registrations = received.filter { $0.type == "event.registered" }.map { $0.json["data"] }
            #expect(
                Set(registrations.compactMap { $0["registration_id"].string })
                    == [registered.json["id"].string ?? "", walkIn.json["id"].string ?? ""], "the member's and the walk-in's")
            #expect(registrations.allSatisfy { $0["event_id"].string == event.id && $0["status"].string == "confirmed" })
            #expect(registrations.first { $0["user_id"].isNull }?["walk_in"].bool == true, "a walk-in has no account")
            #expect(registrations.first { $0["user_id"].string == apu.userID }?["walk_in"].bool == false)
            // The lapse is queued at the job's time, 45 days from now on its clock: in the log, due then.
            let log = try await api.call(
                .get, "/v1/chambers/\(chamber.id)/webhooks/\(created.json["id"].string ?? "")/deliveries", token: admin.accessToken)
            let lapse = log.json["items"].array.filter { $0["type"].string == "membership.lapsed" }
            #expect(lapse.count == 1 && lapse.first?["status"].string == "pending", "\(log.json)")
            let due = try #require(lapse.first?["next_attempt_at"].date)
            #expect(abs(due.timeIntervalSince(MembershipStandingTests.days(14 + 31, after: approvedAt))) < 60)
            #expect(byType["message.reported"]?["message_id"].string == messageID && byType["message.reported"]?["reason"].string == "Spam")
            #expect(byType["message.reported"]?["reporter_id"].string == apu.userID)
        }
    }

    @Test("the retry schedule: doubling waits with jitter, a Retry-After honoured, failed after the last attempt")
    func schedule() {
        struct Nothing: WebhookOutboxStore, WebhookTransport {
            func claim(limit: Int, at instant: Date, lease: TimeInterval, claim: String) async throws -> [WebhookDelivery] { [] }
            func renew(claim: String, until: Date) async throws {}
            func finish(_ results: [(id: String, result: WebhookResult)], claim: String, at instant: Date) async throws {}
            func nextDue() async throws -> Date? { nil }
            func prune(finishedBefore instant: Date) async throws -> Int { 0 }
            func post(_ delivery: WebhookDelivery, at instant: Date) async -> WebhookOutcome { .delivered(statusCode: 200) }
        }
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let dispatcher = WebhookDispatcher(
            outbox: Nothing(), transport: Nothing(), schedule: WebhookDispatcher.schedule(base: 30), now: { now }, random: { 1 })
        let failed = WebhookOutcome.failed(statusCode: 500, error: "answered 500", retryAfter: nil)
        #expect(dispatcher.result(of: failed, attempts: 1) == .retry(at: now.addingTimeInterval(30), statusCode: 500, error: "answered 500"))
        #expect(dispatcher.result(of: failed, attempts: 3) == .retry(at: now.addingTimeInterval(120), statusCode: 500, error: "answered 500"))
        #expect(dispatcher.result(of: failed, attempts: 11) == .retry(at: now.addingTimeInterval(21_600), statusCode: 500, error: "answered 500"))
        guard case .failed = dispatcher.result(of: failed, attempts: 12) else {
            Issue.record("the twelfth failure is the last")
            return
        }
        let busy = WebhookOutcome.failed(statusCode: 429, error: "answered 429", retryAfter: 900)
        #expect(dispatcher.result(of: busy, attempts: 1) == .retry(at: now.addingTimeInterval(900), statusCode: 429, error: "answered 429"))
        #expect(dispatcher.result(of: .delivered(statusCode: 204), attempts: 1) == .delivered(statusCode: 204))
    }
}
