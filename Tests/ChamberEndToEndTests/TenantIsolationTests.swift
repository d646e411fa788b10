import ChamberDomain
import ChamberHTTP
import ChamberServer
import ChamberStorage
import ChamberTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Cross-chamber access as an attack: each role of chamber A (admin, staff, moderator, member, guest) calls every
/// chamber-B route the server registers, and must get 403 or 404 with nothing of B's data in the answer.
@Suite("REST: tenant isolation")
struct TenantIsolationTests {
    /// `template` with `{chamberId}` and every other `{…Id}` of `ids` filled in.
    static func fill(_ template: String, chamber: String, ids: [String: String]) -> String {
        ids.reduce(template.replacingOccurrences(of: "{chamberId}", with: chamber)) { $0.replacingOccurrences(of: $1.key, with: $1.value) }
    }

    @Test("each role of chamber A reaches nothing of chamber B", arguments: TestBackend.enabled)
    func crossChamberAttack(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let alice = try await api.signUp("alice")
            let chamberA = try await api.createChamber(alice, name: "Alpha Chamber")
            let bob = try await api.signUp("bob")
            let chamberB = try await api.createChamber(bob, name: "Bravo Secret Chamber")
            let betty = try await api.signUp("betty")
            try await api.addMember(betty, to: chamberB, role: "member", by: bob)
            let business = try await api.call(
                .post, "/v1/chambers/\(chamberB)/businesses", token: bob.accessToken,
                json: ["legal_name": "Bravo Confidential LLC", "tax_id": "99-9999999"])
            let businessB = business.json["id"].string ?? ""
            let invitation = try await api.call(
                .post, "/v1/chambers/\(chamberB)/invitations", token: bob.accessToken,
                json: ["email": "secret-invitee@example.com", "role": "member"])
            let invitationB = invitation.json["invitation"]["id"].string ?? ""
            let channel = try await api.call(
                .post, "/v1/chambers/\(chamberB)/channels", token: bob.accessToken,
                json: ["kind": "group", "name": "Bravo Back Room", "members": [betty.userID]])
            let channelB = channel.json["id"].string ?? ""
            let sent = try await api.call(
                .post, "/v1/chambers/\(chamberB)/channels/\(channelB)/messages", token: bob.accessToken,
                json: ["client_message_id": "s", "body": "Bravo merger plans"])
            let messageB = sent.json["message"]["id"].string ?? ""
            // A picture Bob uploaded to the back room.
            let fileB =
                try await MessageAttachmentTests.upload(
                    api, bob.accessToken, chamber: chamberB, channel: channelB, name: "bravo-map.png", MessageAttachmentTests.png
                ).json["id"].string ?? ""
            #expect(!fileB.isEmpty)
            // B's review queue holds an item (Betty reported Bob's message).
            _ = try await api.call(
                .post, "/v1/chambers/\(chamberB)/messages/\(messageB)/reports", token: betty.accessToken, json: ["reason": "Bravo insider report"])
            let queue = try await api.call(.get, "/v1/chambers/\(chamberB)/moderation/queue", token: bob.accessToken)
            let itemB = queue.json["items"][0]["id"].string ?? ""
            #expect(!itemB.isEmpty)
            // B's tier, and an application in B's review queue.
            let tierB =
                try await api.call(
                    .post, "/v1/chambers/\(chamberB)/tiers", token: bob.accessToken,
                    json: ["name": "Bravo Platinum", "dues_cents": 99_900, "period": "annual"]
                ).json["id"].string ?? ""
            let carl = try await api.signUp("carl")
            let applicationB =
                try await api.call(.post, "/v1/applications", token: carl.accessToken, json: ["chamber_id": chamberB])
                .json["application"]["id"].string ?? ""
            try await MembershipApplicationTests.fill(
                api, carl, applicationB,
                MembershipApplicationTests.steps(tier: tierB, name: "Bravo Applicant Inc", email: "carl@bravo-applicant.example"))
            let documentB =
                try await ApplicationDocumentsTests.upload(api, carl, applicationB, name: "bravo-license.pdf", ApplicationDocumentsTests.pdf)
                .json["document"]["id"].string ?? ""
            #expect(!documentB.isEmpty)
            #expect(
                try await api.call(.post, "/v1/applications/\(applicationB)/submit", token: carl.accessToken).json["status"].string == "submitted")
            // B's event, its ticket type, and Betty's registration.
            let start = Date().addingTimeInterval(86_400)
            let event = try await api.call(
                .post, "/v1/chambers/\(chamberB)/events", token: bob.accessToken,
                json: [
                    "title": "Bravo Private Gala", "starts_at": start.iso8601Seconds, "ends_at": start.addingTimeInterval(3_600).iso8601Seconds,
                    "venue": "Bravo Hall", "ticket_types": [["name": "Bravo Patron"]],
                ])
            let eventB = event.json["id"].string ?? ""
            let ticketTypeB = event.json["ticket_types"][0]["id"].string ?? ""
            _ = try await api.call(.post, "/v1/chambers/\(chamberB)/events/\(eventB)/publish", token: bob.accessToken)
            let registrationB =
                try await api.call(
                    .post, "/v1/chambers/\(chamberB)/events/\(eventB)/registrations", token: betty.accessToken, json: ["ticket_type_id": ticketTypeB]
                ).json["id"].string ?? ""
            #expect(!registrationB.isEmpty)
            let discountCodeB =
                try await api.call(
                    .post, "/v1/chambers/\(chamberB)/events/\(eventB)/discount-codes", token: bob.accessToken,
                    json: ["code": "BRAVOVIP", "percent_off": 50]
                ).json["id"].string ?? ""
            #expect(!discountCodeB.isEmpty)
            // B's invoice to Betty, issued and part paid.
            let invoiceB =
                try await api.call(
                    .post, "/v1/chambers/\(chamberB)/invoices", token: bob.accessToken,
                    json: ["user_id": betty.userID, "lines": [["description": "Bravo Retainer", "unit_amount_minor": 77_700]]]
                ).json["id"].string ?? ""
            #expect(try await api.call(.post, "/v1/chambers/\(chamberB)/invoices/\(invoiceB)/issue", token: bob.accessToken).status == .ok)
            // B's webhook endpoint, with a delivery queued (a ping).
            let webhookB =
                try await api.call(
                    .post, "/v1/chambers/\(chamberB)/webhooks", token: bob.accessToken,
                    json: ["url": "https://bravo-books.example/hooks", "events": ["invoice.paid"]]
                ).json["id"].string ?? ""
            #expect(try await api.call(.post, "/v1/chambers/\(chamberB)/webhooks/\(webhookB)/ping", token: bob.accessToken).status == .accepted)
            let deliveryB =
                try await api.call(.get, "/v1/chambers/\(chamberB)/webhooks/\(webhookB)/deliveries", token: bob.accessToken).json["items"][0]["id"]
                .string ?? ""
            #expect(!deliveryB.isEmpty)
            // B's API key.
            let apiKeyB =
                try await api.call(
                    .post, "/v1/chambers/\(chamberB)/api-keys", token: bob.accessToken,
                    json: ["name": "Bravo Ledger Sync", "scopes": ["billing:read"]]
                ).json["id"].string ?? ""
            #expect(!apiKeyB.isEmpty)
            // Betty's export of her data in B.
            let exportB =
                try await api.call(.post, "/v1/chambers/\(chamberB)/members/\(betty.userID)/data-exports", token: betty.accessToken).json["id"]
                .string ?? ""
            #expect(!exportB.isEmpty)
            let secrets = [
                "bravo-books.example", "whsec_",
                "Bravo Retainer", "77700", "Bravo Private Gala", "Bravo Hall", "Bravo Patron", "BRAVOVIP", "Bravo Secret Chamber", "Bravo Back Room",
                "Bravo merger plans", "Bravo Ledger Sync",
                "Bravo Confidential LLC", "99-9999999", "secret-invitee@example.com",
                bob.email, betty.email,
                "Bravo insider report", "Bravo Platinum", "Bravo Applicant Inc", "carl@bravo-applicant.example", "bravo-license", "/v1/files/",
                "bravo-map",
            ]

            let ids = [
                "{userId}": betty.userID, "{businessId}": businessB, "{invitationId}": invitationB, "{channelId}": channelB, "{messageId}": messageB,
                "{itemId}": itemB, "{tierId}": tierB, "{applicationId}": applicationB, "{documentId}": documentB, "{eventId}": eventB,
                "{ticketTypeId}": ticketTypeB, "{registrationId}": registrationB, "{discountCodeId}": discountCodeB, "{invoiceId}": invoiceB,
                "{webhookId}": webhookB, "{deliveryId}": deliveryB, "{apiKeyId}": apiKeyB, "{exportId}": exportB, "{fileId}": fileB,
                "{archiveId}": "messages-\(UUID().uuidString.lowercased())",
            ]
            let routes = api.registeredRoutes.filter { $0.path.hasPrefix("/v1/chambers/{chamberId}") }
            #expect(routes.count >= 15, "every chamber route is attacked")
            // Each role of chamber A.
            var attackers = [("admin", alice)]
            for role in ["staff", "moderator", "member", "guest"] {
                let account = try await api.signUp("alpha-\(role)")
                try await api.addMember(account, to: chamberA, role: role, by: alice)
                attackers.append((role, account))
            }
            for (role, attacker) in attackers {
                for route in routes {
                    let path = Self.fill(route.path, chamber: chamberB, ids: ids)
                    let body: [String: Any]? =
                        ["GET", "DELETE"].contains(route.method)
                        ? nil
                        : [
                            "name": "Owned", "action": "ban", "decision": "reject", "reason": "owned", "role": "admin",
                            "email": "attacker@example.com",
                            "legal_name": "Owned LLC", "kind": "group",
                            "client_message_id": "x", "body": "owned", "seq": 1, "user_id": betty.userID, "user_ids": [alice.userID],
                            "ticket_type_id": ticketTypeB, "registration_id": registrationB, "title": "Owned",
                            "lines": [["description": "Owned", "unit_amount_minor": 1]], "amount_minor": 1, "method": "cash",
                        ]
                    let response = try await api.call(HTTPRequest.Method(route.method)!, path, token: attacker.accessToken, json: body)
                    #expect([403, 404].contains(response.status.code), "\(role): \(route.method) \(route.path) answered \(response.status.code)")
                    let text = String(decoding: response.body, as: UTF8.self)
                    for secret in secrets { #expect(!text.contains(secret), "\(role): \(route.method) \(route.path) leaked \(secret)") }
                }
            }
            // Now through their own chamber A, naming B's rows: still nothing.
            for (role, attacker) in attackers {
                // Every route that names one of B's rows (a new kind of id is in `ids`, or the first loop fails on it).
                for route in routes where ids.keys.contains(where: route.path.contains) {
                    let path = Self.fill(route.path, chamber: chamberA, ids: ids)
                    let body: [String: Any]? =
                        ["GET", "DELETE"].contains(route.method)
                        ? nil
                        : [
                            "decision": "reject", "action": "suspend", "reason": "owned", "role": "admin", "legal_name": "Owned LLC",
                            "client_message_id": "x",
                            "body": "owned", "seq": 1, "user_ids": [alice.userID], "ticket_type_id": ticketTypeB, "registration_id": registrationB,
                            "amount_minor": 1, "method": "cash", "confirm_email": betty.email, "email": "attacker@example.com",
                        ]
                    let response = try await api.call(HTTPRequest.Method(route.method)!, path, token: attacker.accessToken, json: body)
                    // An admin reaches the lookup (404); other roles may be stopped by their role first (403).
                    #expect(
                        role == "admin" ? response.status.code == 404 : [403, 404].contains(response.status.code),
                        "\(role): \(route.method) \(route.path) with B's ids answered \(response.status.code)")
                    let text = String(decoding: response.body, as: UTF8.self)
                    for secret in secrets { #expect(!text.contains(secret), "\(role): \(route.method) \(route.path) leaked \(secret)") }
                }
            }
            // Alice's own chamber keeps working, and B is untouched.
            let invoice = try await api.call(.get, "/v1/chambers/\(chamberB)/invoices/\(invoiceB)", token: bob.accessToken)
            #expect(invoice.json["status"].string == "open" && invoice.json["entries"].array.count == 1, "\(invoice.json)")
            #expect(try await api.call(.get, "/v1/chambers/\(chamberA)", token: alice.accessToken).status == .ok)
            let check = try await api.call(.get, "/v1/chambers/\(chamberB)", token: bob.accessToken)
            #expect(check.json["name"].string == "Bravo Secret Chamber")
            let members = try await api.call(.get, "/v1/chambers/\(chamberB)/members", token: bob.accessToken)
            #expect(Set(members.json["items"].array.compactMap { $0["user_id"].string }) == [bob.userID, betty.userID])
            #expect(
                try await api.call(.get, "/v1/chambers/\(chamberB)/businesses/\(businessB)", token: bob.accessToken).json["legal_name"].string
                    == "Bravo Confidential LLC")
            let stillPending = try await api.call(.get, "/v1/chambers/\(chamberB)/moderation/queue", token: bob.accessToken)
            #expect(stillPending.json["items"].array.map { $0["id"].string } == [itemB], "B's queue item was not decided from A")
            // An invitation token of B cannot be redeemed as if it were A's.
            let retargeted = "\(chamberA).\((invitation.json["token"].string ?? "").split(separator: ".").last ?? "")"
            let accept = try await api.call(.post, "/v1/invitations/accept", token: alice.accessToken, json: ["token": retargeted])
            #expect(accept.status == .notFound)
        }
    }
}

extension TestAPI {
    /// The (method, path) pairs the running server's router registers.
    var registeredRoutes: [(method: String, path: String)] {
        buildRouter(
            services: node.services, realtime: node.realtime, membership: node.membership, events: node.events, metrics: node.metrics, version: "test"
        ).routes.map {
            ($0.method.rawValue, $0.path.description)
        }
    }
}
