import ChamberDomain
import ChamberStorage
import ChamberTestSupport
import Foundation
import HTTPTypes
import Testing

/// Members in bulk through the REST API: a CSV file checked row by row, written all or nothing, and exported in
/// the same columns, so one chamber's export imports into another.
@Suite("REST: member import and export")
struct MemberImportTests {
    static func post(_ api: TestAPI, _ chamber: String, _ csv: String, dryRun: Bool, as account: Account) async throws -> APIResponse {
        var headers = HTTPFields()
        headers[.contentType] = "text/csv"
        return try await api.call(
            .post, "/v1/chambers/\(chamber)/imports/members\(dryRun ? "?dry_run=true" : "")", token: account.accessToken, raw: csv, headers: headers)
    }

    static func memberCount(_ api: TestAPI, _ chamber: String, _ admin: Account) async throws -> Int {
        try await api.call(.get, "/v1/chambers/\(chamber)/members?limit=200", token: admin.accessToken).json["items"].array.count
    }

    @Test(
        "a dry run reports every bad row; a real run with one writes nothing; a clean file writes every member, listing and standing",
        arguments: TestBackend.enabled)
    func importing(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let (admin, staff) = (try await api.signUp("admin"), try await api.signUp("stella"))
            let chamber = try await MembershipApplicationTests.chamber(api, admin: admin, staff: staff)
            let known = try await api.signUp("known")
            let (ned, moe, known2) = (unique("ned") + "@leftorium.example", unique("moe") + "@moes.example", known.email)
            let bad = """
                email,display_name,role,legal_name,tax_id,category,phone,tier,status,paid_through
                \(ned),Ned Flanders,member,Leftorium LLC,36-1234567,445,,Gold,active,2027-01-31
                not-an-email,Nobody,member,,,,,,,
                \(moe),Moe Szyslak,staff,Moe's Tavern,123-45-6789,722,,Platinum,,
                \(ned),Ned Again,member,,,,,,,
                \(staff.email),Stella,member,,,,,,,
                "unclosed,quote,member,,,,,,,

                """
            let before = try await Self.memberCount(api, chamber.id, admin)
            let dry = try await Self.post(api, chamber.id, bad, dryRun: true, as: staff)
            #expect(dry.status == .badRequest && dry.errorCode == "validation_failed", "an open quote spoils the whole file: \(dry.json)")
            let fixedQuote = bad.replacingOccurrences(of: "\"unclosed,quote,member,,,,,,,\n", with: "")
            let report = try await Self.post(api, chamber.id, fixedQuote, dryRun: true, as: staff)
            #expect(report.status == .ok && report.json["dry_run"].bool == true && report.json["written"].bool == false)
            let problems = report.json["problems"].array.map { "\($0["line"].int ?? 0) \($0["column"].string ?? "") \($0["code"].string ?? "")" }
            #expect(
                Set(problems) == [
                    "3 email invalid_email", "4 role role_not_assignable", "4 tax_id validation_failed", "4 tier tier_not_found",
                    "5 email conflict", "6 email already_member", "6 email email_taken",
                ], "\(problems)")
            #expect(report.json["rows"].int == 5)
            let real = try await Self.post(api, chamber.id, fixedQuote, dryRun: false, as: staff)
            #expect(real.status == .unprocessableContent && real.json["written"].bool == false && real.json["problems"].array.count == 7)
            #expect(try await Self.memberCount(api, chamber.id, admin) == before, "nothing half-written")
            #expect(try await api.call(.post, "/v1/auth/login", json: ["email": ned, "password": "anything at all"]).status == .unauthorized)

            // A member may neither import nor export.
            let member = try await api.signUp("milhouse")
            try await api.addMember(member, to: chamber.id, role: "member", by: admin)
            #expect(try await Self.post(api, chamber.id, "email,display_name\n", dryRun: true, as: member).status == .forbidden)
            #expect(try await api.call(.get, "/v1/chambers/\(chamber.id)/exports/members", token: member.accessToken).status == .forbidden)

            // Someone with an account is invited, never imported.
            let knownRow = "email,display_name\n\(known2),Known Person\n"
            let knownReport = try await Self.post(api, chamber.id, knownRow, dryRun: true, as: admin)
            #expect(knownReport.json["problems"][0]["code"].string == "email_taken", "\(knownReport.json)")

            // Clean (blank rows of commas after the data are no rows): every row written, each a new account without a
            // password.
            let good = """
                email,display_name,role,joined_at,legal_name,dba,tax_id,category,phone,website,logo_url,city,country,tier,status,trial_ends_at,paid_through,privacy
                \(ned),Ned Flanders,member,2019-04-01,Leftorium LLC,The Leftorium,36-1234567,445,'+1 217 555 0142,https://leftorium.example,https://leftorium.example/logo.png,Springfield,us,Gold,active,,2027-01-31,phone=staff;email=staff
                \(moe),Moe Szyslak,member,,"Moe's Tavern, Inc.",,,722,,,,Springfield,US,gold,trial,2027-01-15,,
                ,,,,,,,,,,,,,,,,,

                """
            #expect(try await Self.post(api, chamber.id, good, dryRun: true, as: admin).json["problems"].array.isEmpty)
            let written = try await Self.post(api, chamber.id, good, dryRun: false, as: admin)
            #expect(written.status == .created, "\(written.json)")
            #expect(written.json["written"].bool == true && written.json["new_accounts"].int == 2 && written.json["memberships"].int == 2)
            #expect(written.json["businesses"].int == 2 && written.json["standings"].int == 2)
            #expect(try await Self.memberCount(api, chamber.id, admin) == before + 3, "two imported, and Milhouse")
            let again = try await Self.post(api, chamber.id, good, dryRun: false, as: admin)
            #expect(again.status == .unprocessableContent && again.json["problems"].array.count >= 3, "importing twice adds nobody twice")

            let members = try await api.call(.get, "/v1/chambers/\(chamber.id)/members?limit=200", token: admin.accessToken).json["items"].array
            let nedID = members.first { $0["email"].string == ned }?["user_id"].string ?? ""
            let standing = try await api.call(.get, "/v1/chambers/\(chamber.id)/members/\(nedID)/standing", token: staff.accessToken)
            #expect(standing.json["standing"]["status"].string == "active", "\(standing.json)")
            #expect(!members.contains { $0["user_id"].string == known.userID })
            let audit = try await api.call(.get, "/v1/chambers/\(chamber.id)/audit-log?action=members.imported", token: admin.accessToken)
            #expect(audit.json["items"].array.count == 1)

            // An imported person signs in by resetting the password.
            #expect(try await api.call(.post, "/v1/auth/password-reset", json: ["email": ned]).status == .accepted)
            let mail = try await api.store.mailOutbox.deliveries(to: ned, limit: 1).first?.mail
            let token =
                mail?.body.split(separator: "\n").first { $0.hasPrefix("Reset token: ") }.map { String($0.dropFirst("Reset token: ".count)) } ?? ""
            let reset = try await api.call(
                .post, "/v1/auth/password-reset/confirm", json: ["token": token, "new_password": "diddly doodly neighbor"])
            #expect(reset.status == .noContent)
            let nedAccount = try await api.logIn(email: ned, password: "diddly doodly neighbor")
            #expect(try await api.call(.get, "/v1/chambers/\(chamber.id)", token: nedAccount.accessToken).status == .ok)

            // Exported in the same columns, formulas defused, and imported whole into another chamber.
            let export = try await api.call(.get, "/v1/chambers/\(chamber.id)/exports/members", token: staff.accessToken)
            #expect(export.status == .ok && export.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(export.headers[.contentDisposition]?.hasPrefix("attachment; filename=\"members-\(chamber.slug)-") == true)
            let text = String(decoding: export.body, as: UTF8.self)
            let lines = text.split(separator: "\r\n").map(String.init)
            #expect(lines.first?.hasPrefix("email,display_name,role,joined_at,legal_name") == true)
            let nedLine = lines.first { $0.hasPrefix(ned) } ?? ""
            #expect(
                nedLine.contains("'+1 217 555 0142") && nedLine.contains("Gold,active,,2027-01-31") && nedLine.contains(",2019-04-01,"), "\(nedLine)")
            #expect(text.contains("\"Moe's Tavern, Inc.\""))
            let json = try await api.call(.get, "/v1/chambers/\(chamber.id)/exports/members?format=json", token: staff.accessToken)
            let nedItem = json.json["items"].array.first { $0["email"].string == ned }
            #expect(nedItem?["phone"].string == "+1 217 555 0142" && nedItem?["tax_id"].string == "36-1234567")

            let capital = try await api.signUp("capital")
            let other = try await MembershipApplicationTests.chamber(api, admin: capital, staff: try await api.signUp("cstaff"))
            let exported = lines.filter { line in line.hasPrefix("email,") || [ned, moe].contains { line.hasPrefix($0) } }.joined(separator: "\r\n")
            let taken = try await Self.post(api, other.id, exported, dryRun: true, as: capital)
            #expect(taken.json["problems"].array.filter { $0["code"].string == "email_taken" }.count == 2, "they have accounts now")
            let (ned2, moe2) = (unique("ned2") + "@leftorium.example", unique("moe2") + "@moes.example")
            let moving = exported.replacingOccurrences(of: ned, with: ned2).replacingOccurrences(of: moe, with: moe2)
            let intruder = try await Self.post(api, other.id, moving, dryRun: false, as: admin)
            #expect([403, 404].contains(intruder.status.code), "an admin of one chamber imports into no other")
            let moved = try await Self.post(api, other.id, moving, dryRun: false, as: capital)
            #expect(moved.status == .created && moved.json["new_accounts"].int == 2 && moved.json["memberships"].int == 2, "\(moved.json)")
            let otherExport = try await api.call(.get, "/v1/chambers/\(other.id)/exports/members?format=json", token: capital.accessToken)
            let movedNed = otherExport.json["items"].array.first { $0["email"].string == ned2 }
            #expect(movedNed?["privacy"].string == "email=staff;phone=staff", "privacy travels with the listing")
            #expect(movedNed?["legal_name"].string == "Leftorium LLC" && movedNed?["paid_through"].string == "2027-01-31")
            #expect(movedNed?["joined_at"].string == "2019-04-01" && movedNed?["tier"].string == "Gold")
            #expect(movedNed?["logo_url"].string == "https://leftorium.example/logo.png", "the logo travels with the listing")
        }
    }
}
