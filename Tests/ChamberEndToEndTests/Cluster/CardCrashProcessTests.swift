import ChamberTestSupport
import Foundation
import Testing

/// A `chamberconnect` process killed with SIGKILL after the processor charged a card and before the server wrote the
/// payment: the next process on the same database records it from the processor's webhook, once however often the
/// webhook comes, and the member's retry charges nothing more.
@Suite("Crash recovery of card payments", .serialized)
struct CardCrashProcessTests {
    @Test(
        "kill -9 a node between the processor's charge and its own write: the webhook pays the invoice once, the retry charges nothing",
        arguments: TestBackend.enabled)
    func killedAfterCharge(_ backend: TestBackend) async throws {
        try await FakeStripeService.run { stripe in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("card-crash-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let keyFile = folder.appendingPathComponent("secret-key").path
            let secretsFile = folder.appendingPathComponent("webhook-secrets").path
            try (stripe.secretKey + "\n").write(toFile: keyFile, atomically: true, encoding: .utf8)
            try (stripe.webhookSecret + "\n").write(toFile: secretsFile, atomically: true, encoding: .utf8)
            // Secrets' files no other user may read, or the node refuses them.
            for file in [keyFile, secretsFile] { try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file) }
            let environment = try await ServerProcess.singleNodeEnvironment(
                backend,
                [
                    "CHAMBER_BILLING_STRIPE_SECRET_KEY_FILE": keyFile, "CHAMBER_BILLING_STRIPE_WEBHOOK_SECRETS_FILE": secretsFile,
                    "CHAMBER_BILLING_STRIPE_API_BASE": stripe.apiBase,
                ])
            let first = try ServerProcess(name: "card-crash-\(backend)", environment: environment)
            try await first.waitReady()
            let admin = try await HTTP.signUp(port: first.port, "admin")
            let member = try await HTTP.signUp(port: first.port, "ann")
            let (_, chamber) = try await HTTP.call(
                port: first.port, "POST", "/v1/chambers", token: admin.accessToken, json: ["name": "Card Crash Chamber", "slug": unique("cardcrash")])
            let path = "/v1/chambers/\(chamber["id"].string ?? "")"
            let (_, invite) = try await HTTP.call(
                port: first.port, "POST", "\(path)/invitations", token: admin.accessToken, json: ["email": member.email, "role": "member"])
            _ = try await HTTP.call(
                port: first.port, "POST", "/v1/invitations/accept", token: member.accessToken, json: ["token": invite["token"].string ?? ""])
            let (created, invoice) = try await HTTP.call(
                port: first.port, "POST", "\(path)/invoices", token: admin.accessToken,
                json: ["user_id": member.userID, "lines": [["description": "Annual dues", "unit_amount_minor": 45_000]]])
            #expect(created == 201, "\(invoice)")
            let id = invoice["id"].string ?? ""
            #expect(try await HTTP.call(port: first.port, "POST", "\(path)/invoices/\(id)/issue", token: admin.accessToken).0 == 200)

            // The member pays; the processor charges and its answer hangs; the node dies before it writes anything.
            stripe.hold()
            let paying = Task {
                try? await HTTP.call(
                    port: first.port, "POST", "\(path)/invoices/\(id)/card-payments", token: member.accessToken,
                    json: ["payment_method": "pm_card_visa"], headers: ["Idempotency-Key": "ann-dues"])
            }
            try await eventually("the processor charged the card", timeout: .seconds(20)) { stripe.intents.count == 1 }
            first.killHard()
            stripe.release()
            _ = await paying.value
            let intent = try #require(stripe.intents.first)

            let second = try ServerProcess(name: "card-crash-\(backend)-again", environment: environment)
            try await second.waitReady()
            defer { second.killHard() }
            let (before, unpaid) = try await HTTP.call(port: second.port, "GET", "\(path)/invoices/\(id)", token: member.accessToken)
            #expect(before == 200 && unpaid["status"].string == "open", "nothing written before the kill: \(unpaid)")

            // The processor's webhook, three times: applied once.
            let event = stripe.event("payment_intent.succeeded", of: intent)
            var outcomes: [String] = []
            for _ in 0..<3 {
                let delivered = try await stripe.deliver(event, to: "http://127.0.0.1:\(second.port)/v1/webhooks/stripe")
                #expect(delivered.status == 200, "\(delivered)")
                outcomes.append((try? JSON.parse(Data(delivered.body.utf8)))?["outcome"].string ?? "")
            }
            #expect(outcomes == ["applied", "duplicate", "duplicate"], "\(outcomes)")
            let (_, paid) = try await HTTP.call(port: second.port, "GET", "\(path)/invoices/\(id)", token: member.accessToken)
            #expect(paid["status"].string == "paid" && paid["paid_minor"].int == 45_000, "\(paid)")
            let payments = paid["entries"].array.filter { $0["kind"].string == "payment_succeeded" }
            #expect(payments.count == 1 && payments.first?["reference"].string == intent.id, "\(paid)")

            // The member's app retries its request: nothing more is charged.
            let (retried, answer) = try await HTTP.call(
                port: second.port, "POST", "\(path)/invoices/\(id)/card-payments", token: member.accessToken,
                json: ["payment_method": "pm_card_visa"], headers: ["Idempotency-Key": "ann-dues"])
            #expect(retried == 409 && answer["error"]["code"].string == "invoice_state_conflict", "\(answer)")
            #expect(stripe.intents.count == 1, "charged once")
            let (_, check) = try await HTTP.call(port: second.port, "GET", "\(path)/billing/ledger-check", token: admin.accessToken)
            #expect(check["balanced"].bool == true, "\(check)")
            #expect(stripe.refused.isEmpty, "the processor refused: \(stripe.refused)")
        }
    }
}
