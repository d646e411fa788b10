import ChamberDomain
import ChamberStorage
import ChamberTestSupport
import Foundation
import HTTPTypes
import Testing

/// The membership application through the REST API, as an applicant and a chamber's staff meet it.
@Suite("REST: membership tiers, applications and the review queue")
struct MembershipApplicationTests {
    /// A chamber with an admin, a staff member and a Gold tier; returns the chamber's id, slug and the tier's id.
    static func chamber(_ api: TestAPI, admin: Account, staff: Account) async throws -> (id: String, slug: String, tier: String) {
        let slug = unique("applychamber")
        let created = try await api.call(.post, "/v1/chambers", token: admin.accessToken, json: ["name": "Shelbyville Chamber", "slug": slug])
        let chamberID = created.json["id"].string ?? ""
        try await api.addMember(staff, to: chamberID, role: "staff", by: admin)
        let tier = try await api.call(
            .post, "/v1/chambers/\(chamberID)/tiers", token: staff.accessToken,
            json: ["name": "Gold", "dues_cents": 60_000, "period": "annual", "benefits": ["Two event tickets"], "seats": 3])
        #expect(tier.status == .created, "\(tier.json)")
        return (chamberID, slug, tier.json["id"].string ?? "")
    }

    /// The five steps of a business whose e-mail matches its website.
    static func steps(
        tier: String, ein: String = "12-3456789", name: String = "Kwik-E-Mart LLC", email: String = "apu@kwikemart.example"
    )
        -> [(String, [String: Any])]
    {
        [
            ("business", ["legal_name": name, "dba": "Kwik-E-Mart", "structure": "llc", "year_founded": 1989, "size": "2-10"]),
            ("tax", ["ein": ein, "state_registration_number": "IL-5551212", "registration_state": "Illinois"]),
            (
                "contact",
                [
                    "email": email, "phone": "+1 217 555 0199", "address": ["line1": "1 Main St", "city": "Springfield", "country": "us"],
                    "category": "445",
                ]
            ),
            (
                "online",
                [
                    "website": "https://www.kwikemart.example", "social_links": ["instagram": "https://instagram.com/kwikemart"],
                    "description": "Open all night", "logo_url": "https://www.kwikemart.example/logo.png",
                ]
            ),
            ("membership", ["tier_id": tier, "agreement_accepted": true]),
        ]
    }

    static func fill(_ api: TestAPI, _ applicant: Account, _ applicationID: String, _ steps: [(String, [String: Any])]) async throws {
        for (step, body) in steps {
            let saved = try await api.call(.put, "/v1/applications/\(applicationID)/steps/\(step)", token: applicant.accessToken, json: body)
            #expect(saved.status == .ok, "step \(step): \(saved.json)")
        }
    }

    @Test(
        "from draft to approval: the public offer, five steps resumed, checks and score, the queue, the membership, the listing, the welcome DM, the mail, the audit",
        arguments: TestBackend.enabled)
    func approval(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let (admin, staff, apu) = (try await api.signUp("admin"), try await api.signUp("stella"), try await api.signUp("apu"))
            let chamber = try await Self.chamber(api, admin: admin, staff: staff)

            let offer = try await api.call(.get, "/v1/public/chambers/\(chamber.slug)/membership")
            #expect(offer.status == .ok)
            #expect(offer.json["chamber"]["id"].string == chamber.id)
            #expect(offer.json["tiers"][0]["name"].string == "Gold" && offer.json["tiers"][0]["currency"].string == "USD")
            #expect(offer.json["categories"].array.contains { $0["code"].string == "445" })

            let started = try await api.call(.post, "/v1/applications", token: apu.accessToken, json: ["chamber_id": chamber.id])
            #expect(started.status == .created)
            #expect(started.json["application"]["status"].string == "draft")
            #expect(started.json["session"].isNull, "no new session for a signed-in applicant")
            let id = started.json["application"]["id"].string ?? ""
            #expect(started.json["application"]["missing_steps"].array.count == 5)
            let again = try await api.call(.post, "/v1/applications", token: apu.accessToken, json: ["chamber_id": chamber.id])
            #expect(again.status == .conflict && again.errorCode == "application_state_conflict", "one open application per chamber")

            // Submitting early names the first missing step; a draft is the applicant's own.
            let steps = Self.steps(tier: chamber.tier)
            try await Self.fill(api, apu, id, Array(steps.prefix(2)))
            let early = try await api.call(.post, "/v1/applications/\(id)/submit", token: apu.accessToken)
            #expect(
                early.status == .badRequest && early.errorCode == "application_incomplete" && early.json["error"]["field"].string == "contact",
                "\(early.json)")
            #expect(try await api.call(.get, "/v1/applications/\(id)", token: staff.accessToken).status == .notFound)
            #expect(try await api.call(.get, "/v1/chambers/\(chamber.id)/applications/\(id)", token: staff.accessToken).status == .notFound)

            // Resumed later: the saved steps are there, the rest follow.
            let resumed = try await api.call(.get, "/v1/applications/\(id)", token: apu.accessToken)
            #expect(resumed.json["steps"]["tax"]["ein"].string == "12-3456789")
            #expect(resumed.json["missing_steps"].array.compactMap(\.string) == ["contact", "online", "membership"])
            try await Self.fill(api, apu, id, Array(steps.dropFirst(2)))
            let license = try await ApplicationDocumentsTests.upload(api, apu, id, ApplicationDocumentsTests.pdf)
            #expect(license.status == .created, "\(license.json)")
            let submitted = try await api.call(.post, "/v1/applications/\(id)/submit", token: apu.accessToken)
            #expect(submitted.status == .ok && submitted.json["status"].string == "submitted")
            #expect(submitted.json["checks"].isNull && submitted.json["score"].isNull, "the checks name other businesses: staff's only")
            let reviewed = try await api.call(.get, "/v1/chambers/\(chamber.id)/applications/\(id)", token: staff.accessToken)
            let checks = Dictionary(uniqueKeysWithValues: reviewed.json["checks"].array.map { ($0["name"].string ?? "", $0["result"].string ?? "") })
            #expect(checks["ein_format"] == "passed" && checks["ein_prefix"] == "passed" && checks["duplicate_tax_id"] == "passed")
            #expect(
                checks["domain_match"] == "passed" && checks["website_reachable"] == "not_checked" && checks["documents_present"] == "passed")
            #expect(reviewed.json["score"].int == 100)
            let edit = try await api.call(.put, "/v1/applications/\(id)/steps/business", token: apu.accessToken, json: steps[0].1)
            #expect(edit.status == .conflict && edit.errorCode == "application_state_conflict", "a submitted application is not edited")

            // The queue: staff and board read it; members do not.
            let queue = try await api.call(.get, "/v1/chambers/\(chamber.id)/applications", token: staff.accessToken)
            #expect(queue.json["items"].array.map { $0["id"].string } == [id])
            let approved = try await api.call(
                .post, "/v1/chambers/\(chamber.id)/applications/\(id)/decision", token: staff.accessToken, json: ["decision": "approve"])
            #expect(approved.status == .ok && approved.json["status"].string == "approved")
            #expect(approved.json["decided_by"].string == staff.userID)
            let twice = try await api.call(
                .post, "/v1/chambers/\(chamber.id)/applications/\(id)/decision", token: staff.accessToken,
                json: ["decision": "reject", "reason": "no"])
            #expect(twice.status == .conflict && twice.errorCode == "application_state_conflict")

            // A member now, with the business listed and owned, a DM from staff, a mail, and the audit trail.
            let me = try await api.call(.get, "/v1/me", token: apu.accessToken)
            #expect(me.json["memberships"].array.contains { $0["chamber"]["id"].string == chamber.id && $0["role"].string == "member" })
            let businessID = approved.json["business_id"].string ?? ""
            let business = try await api.call(.get, "/v1/chambers/\(chamber.id)/businesses/\(businessID)", token: apu.accessToken)
            #expect(business.json["legal_name"].string == "Kwik-E-Mart LLC" && business.json["owner_user_id"].string == apu.userID)
            #expect(business.json["tax_id"].string == "12-3456789" && business.json["category"].string == "445")
            // The listing shows the application's logo; its owner changes it to a URL only, and can remove it.
            #expect(business.json["logo_url"].string == "https://www.kwikemart.example/logo.png", "\(business.json)")
            let listing = "/v1/chambers/\(chamber.id)/businesses/\(businessID)"
            let notURL = try await api.call(.patch, listing, token: apu.accessToken, json: ["logo_url": "ftp://kwikemart.example/logo.png"])
            #expect(notURL.errorCode == "validation_failed" && notURL.json["error"]["field"].string == "logo_url", "\(notURL.json)")
            let moved = try await api.call(.patch, listing, token: apu.accessToken, json: ["logo_url": "https://cdn.kwikemart.example/l.png"])
            #expect(moved.json["logo_url"].string == "https://cdn.kwikemart.example/l.png", "\(moved.json)")
            let listed = try await api.call(.get, "/v1/chambers/\(chamber.id)/businesses", token: apu.accessToken)
            let kwik = listed.json["items"].array.first { $0["id"].string == businessID }
            #expect(kwik?["logo_url"].string == "https://cdn.kwikemart.example/l.png", "\(listed.json)")
            let removed = try await api.call(.patch, listing, token: apu.accessToken, json: ["logo_url": NSNull()])
            #expect(removed.status == .ok && removed.json["logo_url"].isNull, "\(removed.json)")
            // At rest the tax id is sealed: no column of the application or of the listing holds it.
            for (table, rowID) in [("membership_applications", id), ("businesses", businessID)] {
                let row = try #require(try await api.store.database.query("SELECT * FROM \(table) WHERE id = ?", [.text(rowID)]).first)
                let texts = row.values.values.compactMap { value -> String? in
                    if case .text(let text) = value { return text }
                    return nil
                }
                #expect(!texts.contains { $0.contains("3456789") }, "\(table) holds the tax id in the clear: \(texts)")
            }
            let channels = try await api.call(.get, "/v1/chambers/\(chamber.id)/channels", token: apu.accessToken)
            let direct = channels.json["items"].array.first { $0["channel"]["kind"].string == "direct" }
            #expect(direct?["peer_id"].string == staff.userID, "the direct channel is with the staff member who approved")
            let messages = try await api.call(
                .get, "/v1/chambers/\(chamber.id)/channels/\(direct?["channel"]["id"].string ?? "")/messages", token: apu.accessToken)
            #expect(messages.json["items"].array.first?["sender_id"].string == staff.userID)
            #expect(messages.json["items"].array.first?["body"].string?.hasPrefix("Welcome to Shelbyville Chamber!") == true)
            let mail = try await api.store.mailOutbox.deliveries(to: apu.email, limit: 5).map(\.mail)
            #expect(
                mail.contains {
                    $0.subject.contains("Welcome to Shelbyville Chamber")
                        && $0.body.contains("will be in the directory once your first dues are paid")
                })
            let audit = try await api.call(.get, "/v1/chambers/\(chamber.id)/audit-log?target=application:\(id)", token: admin.accessToken)
            #expect(Set(audit.json["items"].array.compactMap { $0["action"].string }) == ["application.submitted", "application.approved"])
        }
    }

    @Test("more information, then rejection with a reason; registration and application in one call; withdrawal", arguments: TestBackend.enabled)
    func roundTrips(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let (admin, staff) = (try await api.signUp("admin"), try await api.signUp("stella"))
            let chamber = try await Self.chamber(api, admin: admin, staff: staff)

            // A new user applies without an account: the account, a session and the draft in one call.
            let email = "\(unique("moe"))@moes.example"
            let started = try await api.call(
                .post, "/v1/applications",
                json: ["chamber_id": chamber.id, "account": ["email": email, "password": "flaming moe cocktail", "display_name": "Moe"]])
            #expect(started.status == .created, "\(started.json)")
            let token = started.json["session"]["access_token"].string ?? ""
            let moe = Account(
                email: email, password: "", userID: started.json["application"]["applicant_id"].string ?? "", accessToken: token, refreshToken: "",
                sessionID: "")
            let id = started.json["application"]["id"].string ?? ""
            try await Self.fill(api, moe, id, Self.steps(tier: chamber.tier, ein: "98-7654321", name: "Moe's Tavern", email: email))
            let unasked = try await api.call(.post, "/v1/applications/\(id)/submit", token: token, json: ["response": "Nobody asked"])
            #expect(unasked.json["error"]["field"].string == "response", "an answer needs a question")
            #expect(try await api.call(.post, "/v1/applications/\(id)/submit", token: token).json["status"].string == "submitted")

            let asked = try await api.call(
                .post, "/v1/chambers/\(chamber.id)/applications/\(id)/decision", token: staff.accessToken,
                json: ["decision": "request_info", "message": "Please send your liquor license number."])
            #expect(asked.status == .ok && asked.json["status"].string == "info_requested")
            let mine = try await api.call(.get, "/v1/applications/\(id)", token: token)
            #expect(mine.json["info_request"].string == "Please send your liquor license number.")
            let mail = try await api.store.mailOutbox.deliveries(to: email, limit: 5).map(\.mail)
            #expect(mail.contains { $0.body.contains("liquor license") })

            // The applicant edits a step and answers.
            let edited = try await api.call(
                .put, "/v1/applications/\(id)/steps/tax", token: token, json: ["ein": "98-7654321", "state_registration_number": "LIQ-42"])
            #expect(edited.status == .ok)
            let answered = try await api.call(.post, "/v1/applications/\(id)/submit", token: token, json: ["response": "License LIQ-42."])
            #expect(answered.json["status"].string == "submitted" && answered.json["applicant_response"].string == "License LIQ-42.")

            let noReason = try await api.call(
                .post, "/v1/chambers/\(chamber.id)/applications/\(id)/decision", token: staff.accessToken, json: ["decision": "reject"])
            #expect(noReason.status == .badRequest && noReason.json["error"]["field"].string == "reason")
            let rejected = try await api.call(
                .post, "/v1/chambers/\(chamber.id)/applications/\(id)/decision", token: staff.accessToken,
                json: ["decision": "reject", "reason": "A free mail address and no website of its own.\nApply again with both."])
            #expect(rejected.json["status"].string == "rejected" && rejected.json["decision_reason"].string?.hasPrefix("A free mail") == true)
            let members = try await api.call(.get, "/v1/chambers/\(chamber.id)/members", token: admin.accessToken)
            #expect(!members.json["items"].array.contains { $0["user_id"].string == moe.userID }, "a rejected applicant is no member")
            #expect(try await api.call(.post, "/v1/applications/\(id)/withdraw", token: token).errorCode == "application_state_conflict")

            // A second application after the rejection is allowed, and can be withdrawn.
            let second = try await api.call(.post, "/v1/applications", token: token, json: ["chamber_id": chamber.id])
            #expect(second.status == .created)
            let withdrawn = try await api.call(.post, "/v1/applications/\(second.json["application"]["id"].string ?? "")/withdraw", token: token)
            #expect(withdrawn.json["status"].string == "withdrawn")
            let secondID = second.json["application"]["id"].string ?? ""
            #expect(
                try await api.call(.get, "/v1/chambers/\(chamber.id)/applications/\(secondID)", token: staff.accessToken).status == .notFound,
                "a draft withdrawn before submission stays its applicant's")
            #expect(
                try await api.call(.get, "/v1/chambers/\(chamber.id)/applications?status=withdrawn", token: staff.accessToken).json["items"].array
                    .isEmpty)
            #expect(try await api.call(.get, "/v1/applications", token: token).json["items"].array.count == 2)
        }
    }

    @Test(
        "each validation: SSN refused, EIN shapes, unknown category, retired tier, agreement, duplicates, free mail, auto-approval",
        arguments: TestBackend.enabled)
    func validations(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let (admin, staff, apu, rival) = (
                try await api.signUp("admin"), try await api.signUp("stella"), try await api.signUp("apu"), try await api.signUp("rival")
            )
            let chamber = try await Self.chamber(api, admin: admin, staff: staff)
            let id =
                try await api.call(.post, "/v1/applications", token: apu.accessToken, json: ["chamber_id": chamber.id]).json["application"]["id"]
                .string ?? ""
            func step(_ name: String, _ body: [String: Any]) async throws -> APIResponse {
                try await api.call(.put, "/v1/applications/\(id)/steps/\(name)", token: apu.accessToken, json: body)
            }
            let ssn = try await step("tax", ["ein": "123-45-6789"])
            #expect(ssn.errorCode == "validation_failed" && ssn.json["error"]["field"].string == "ein")
            #expect(ssn.json["error"]["message"].string?.contains("Social Security") == true)
            #expect(try await step("tax", ["ein": "12-345678"]).errorCode == "validation_failed")
            #expect(try await step("tax", ["ein": "12-34567-89"]).errorCode == "validation_failed")
            #expect(try await step("tax", ["ein": "123456789"]).json["steps"]["tax"]["ein"].string == "12-3456789", "stored in its written form")
            let category = try await step("contact", ["email": "a@b.example", "address": ["line1": "1 Main", "city": "X"], "category": "9999"])
            #expect(category.errorCode == "validation_failed" && category.json["error"]["field"].string == "category")
            let year = try await step("business", ["legal_name": "X", "structure": "llc", "year_founded": 3000, "size": "1"])
            #expect(year.json["error"]["field"].string == "year_founded")
            #expect(
                try await step("business", ["legal_name": "X", "structure": "empire", "year_founded": 2000, "size": "1"]).json["error"]["field"]
                    .string == "structure")
            #expect(
                try await step("membership", ["tier_id": chamber.tier, "agreement_accepted": false]).json["error"]["field"].string
                    == "agreement_accepted")
            #expect(
                try await step("membership", ["tier_id": UUID().uuidString.lowercased(), "agreement_accepted": true]).errorCode == "tier_not_found")
            #expect(try await api.call(.put, "/v1/applications/\(id)/steps/hobbies", token: apu.accessToken, json: [:]).status == .notFound)

            // The same tax id and name already listed, a free mail address and an unassigned prefix: failed checks, a low score.
            _ = try await api.call(
                .post, "/v1/chambers/\(chamber.id)/businesses", token: staff.accessToken,
                json: ["legal_name": "Kwik-E-Mart LLC", "tax_id": "070000001"])
            try await Self.fill(api, apu, id, Self.steps(tier: chamber.tier, ein: "07-0000001", email: "apu1966@gmail.com"))
            #expect(try await api.call(.post, "/v1/applications/\(id)/submit", token: apu.accessToken).json["status"].string == "submitted")
            let submitted = try await api.call(.get, "/v1/chambers/\(chamber.id)/applications/\(id)", token: staff.accessToken)
            let checks = Dictionary(uniqueKeysWithValues: submitted.json["checks"].array.map { ($0["name"].string ?? "", $0) })
            #expect(checks["ein_prefix"]?["result"].string == "failed")
            #expect(
                checks["duplicate_tax_id"]?["result"].string == "failed"
                    && checks["duplicate_tax_id"]?["detail"].string?.contains("Kwik-E-Mart LLC") == true)
            #expect(checks["duplicate_business"]?["result"].string == "failed")
            #expect(checks["domain_match"]?["detail"].string?.contains("free mail") == true)
            #expect(checks["documents_present"]?["result"].string == "failed", "no business license attached")
            #expect((submitted.json["score"].int ?? 100) < 30, "\(submitted.json["score"])")

            // The contact address is a member's sign-in (Stella's): the e-mail check fails, naming her.
            let borrowed =
                try await api.call(.post, "/v1/applications", token: rival.accessToken, json: ["chamber_id": chamber.id]).json["application"]["id"]
                .string ?? ""
            try await Self.fill(api, rival, borrowed, Self.steps(tier: chamber.tier, ein: "36-7654321", name: "Borrowed Mart", email: staff.email))
            #expect(try await api.call(.post, "/v1/applications/\(borrowed)/submit", token: rival.accessToken).json["status"].string == "submitted")
            let borrowedChecks = try await api.call(.get, "/v1/chambers/\(chamber.id)/applications/\(borrowed)", token: staff.accessToken)
            let email = borrowedChecks.json["checks"].array.first { $0["name"].string == "duplicate_email" }
            #expect(email?["result"].string == "failed" && email?["detail"].string?.contains("member Stella") == true, "\(borrowedChecks.json)")
            _ = try await api.call(
                .post, "/v1/chambers/\(chamber.id)/applications/\(borrowed)/decision", token: staff.accessToken,
                json: ["decision": "reject", "reason": "Not your address"])

            // A retired tier is refused at submission; a chamber auto-approving at 90 approves a clean application at once.
            _ = try await api.call(.patch, "/v1/chambers/\(chamber.id)", token: admin.accessToken, json: ["settings": ["auto_approve_score": 90]])
            let other =
                try await api.call(.post, "/v1/applications", token: rival.accessToken, json: ["chamber_id": chamber.id]).json["application"]["id"]
                .string ?? ""
            try await Self.fill(
                api, rival, other,
                Self.steps(tier: chamber.tier, ein: "36-1234567", name: "Rival Mart", email: "r@rivalmart.example").map {
                    $0.0 == "online" ? ($0.0, ["website": "https://rivalmart.example"]) : $0
                })
            _ = try await api.call(.patch, "/v1/chambers/\(chamber.id)/tiers/\(chamber.tier)", token: admin.accessToken, json: ["active": false])
            let retired = try await api.call(.post, "/v1/applications/\(other)/submit", token: rival.accessToken)
            #expect(retired.errorCode == "tier_not_found")
            _ = try await api.call(.patch, "/v1/chambers/\(chamber.id)/tiers/\(chamber.tier)", token: admin.accessToken, json: ["active": true])
            let auto = try await api.call(.post, "/v1/applications/\(other)/submit", token: rival.accessToken)
            #expect(auto.json["status"].string == "approved", "\(auto.json)")
            #expect(auto.json["decided_by"].isNull, "approved by the chamber's rule, not a person")
            let audit = try await api.call(.get, "/v1/chambers/\(chamber.id)/audit-log?action=application.auto_approved", token: admin.accessToken)
            #expect(audit.json["items"].array.count == 1)
        }
    }

    @Test("who may: tiers by role, the queue by role, closed chambers, members, other chambers' applications", arguments: TestBackend.enabled)
    func permissions(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let (admin, staff, board, member, apu) = (
                try await api.signUp("admin"), try await api.signUp("stella"), try await api.signUp("bo"), try await api.signUp("mem"),
                try await api.signUp("apu")
            )
            let chamber = try await Self.chamber(api, admin: admin, staff: staff)
            try await api.addMember(board, to: chamber.id, role: "board", by: admin)
            try await api.addMember(member, to: chamber.id, role: "member", by: admin)
            #expect(try await api.call(.get, "/v1/chambers/\(chamber.id)/tiers", token: member.accessToken).json["items"].array.count == 1)
            let memberTier = try await api.call(
                .post, "/v1/chambers/\(chamber.id)/tiers", token: member.accessToken, json: ["name": "Tin", "dues_cents": 1, "period": "monthly"])
            #expect(memberTier.status == .forbidden)
            let duplicate = try await api.call(
                .post, "/v1/chambers/\(chamber.id)/tiers", token: admin.accessToken, json: ["name": "Gold", "dues_cents": 1, "period": "monthly"])
            #expect(duplicate.status == .conflict)
            let badPeriod = try await api.call(
                .post, "/v1/chambers/\(chamber.id)/tiers", token: admin.accessToken, json: ["name": "Weekly", "dues_cents": 1, "period": "weekly"])
            #expect(badPeriod.json["error"]["field"].string == "period")
            _ = try await api.call(.patch, "/v1/chambers/\(chamber.id)/tiers/\(chamber.tier)", token: admin.accessToken, json: ["active": false])
            #expect(try await api.call(.get, "/v1/chambers/\(chamber.id)/tiers", token: member.accessToken).json["items"].array.isEmpty)
            #expect(
                try await api.call(.get, "/v1/chambers/\(chamber.id)/tiers?include_retired=true", token: staff.accessToken).json["items"].array.count
                    == 1)
            _ = try await api.call(.patch, "/v1/chambers/\(chamber.id)/tiers/\(chamber.tier)", token: admin.accessToken, json: ["active": true])

            let id =
                try await api.call(.post, "/v1/applications", token: apu.accessToken, json: ["chamber_id": chamber.id]).json["application"]["id"]
                .string ?? ""
            try await Self.fill(api, apu, id, Self.steps(tier: chamber.tier))
            _ = try await api.call(.post, "/v1/applications/\(id)/submit", token: apu.accessToken)
            #expect(try await api.call(.get, "/v1/chambers/\(chamber.id)/applications", token: board.accessToken).status == .ok)
            #expect(try await api.call(.get, "/v1/chambers/\(chamber.id)/applications", token: member.accessToken).status == .forbidden)
            let boardDecides = try await api.call(
                .post, "/v1/chambers/\(chamber.id)/applications/\(id)/decision", token: board.accessToken, json: ["decision": "approve"])
            #expect(boardDecides.status == .forbidden)
            #expect(
                try await api.call(.get, "/v1/chambers/\(chamber.id)/applications/\(id)", token: apu.accessToken).errorCode == "chamber_not_found")
            #expect(try await api.call(.get, "/v1/chambers/\(chamber.id)/applications?status=draft", token: staff.accessToken).status == .badRequest)

            // Another chamber's staff see none of it.
            let otherAdmin = try await api.signUp("otheradmin")
            let otherChamber = try await api.createChamber(otherAdmin)
            #expect(
                try await api.call(.get, "/v1/chambers/\(otherChamber)/applications/\(id)", token: otherAdmin.accessToken).errorCode
                    == "application_not_found")
            #expect(try await api.call(.get, "/v1/chambers/\(otherChamber)/applications", token: otherAdmin.accessToken).json["items"].array.isEmpty)

            // Members do not apply again; a chamber by invitation only takes no applications.
            let memberApplies = try await api.call(.post, "/v1/applications", token: member.accessToken, json: ["chamber_id": chamber.id])
            #expect(memberApplies.errorCode == "already_member")
            _ = try await api.call(.patch, "/v1/chambers/\(chamber.id)", token: admin.accessToken, json: ["settings": ["open_applications": false]])
            let lateEmail = "\(unique("late"))@example.com"
            let refusedSignup = try await api.call(
                .post, "/v1/applications",
                json: ["chamber_id": chamber.id, "account": ["email": lateEmail, "password": "correct horse battery", "display_name": "Late"]])
            #expect(refusedSignup.errorCode == "applications_closed")
            let signUpAfter = try await api.call(
                .post, "/v1/auth/register", json: ["email": lateEmail, "password": "correct horse battery", "display_name": "Late"])
            #expect(signUpAfter.status == .created, "the refused application left no account behind")
            let closed = try await api.call(
                .post, "/v1/applications", token: (try await api.signUp("late")).accessToken, json: ["chamber_id": chamber.id])
            #expect(closed.status == .forbidden && closed.errorCode == "applications_closed")
            #expect(try await api.call(.get, "/v1/public/chambers/no-such-chamber/membership").errorCode == "chamber_not_found")
        }
    }
}
