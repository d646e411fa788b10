import ChamberDomain
import ChamberStorage
import ChamberTestSupport
import Foundation
import HTTPTypes
import Testing

@Suite("REST: a member's data theirs, exported and erased")
struct PrivacyAPITests {
    /// A chamber where Ann has written, registered and been billed, beside Bob.
    struct Scene {
        let chamber: EventTests.Chamber
        let lounge: String
        let invoiceID: String
        var ann: Account { chamber.members[0] }
        var bob: Account { chamber.members[1] }
    }

    static func scene(_ api: TestAPI) async throws -> Scene {
        let chamber = try await EventTests.chamber(api, members: 2)
        let (ann, bob) = (chamber.members[0], chamber.members[1])
        let lounge =
            try await api.call(
                .post, "\(chamber.path)/channels", token: chamber.admin.accessToken,
                json: ["kind": "group", "name": "Lounge", "members": [ann.userID, bob.userID]]
            ).json["id"].string ?? ""
        for (author, text) in [(ann, "Ann's own words"), (bob, "Bob's own words")] {
            let sent = try await api.call(
                .post, "\(chamber.path)/channels/\(lounge)/messages", token: author.accessToken,
                json: ["client_message_id": UUID().uuidString, "body": text])
            #expect(sent.status == .created, "\(sent.json)")
        }
        let event = try await EventTests.event(api, chamber, capacity: 10, tickets: [["name": "Attendee"]])
        #expect(
            try await EventTests.register(api, chamber, ann, event: event.id, ticket: event.tickets[0], guests: ["Guest Person"]).status == .created)
        let invoice = try await BillingTests.invoice(api, chamber, to: ann)
        return Scene(chamber: chamber, lounge: lounge, invoiceID: invoice["id"].string ?? "")
    }

    /// Waits for the background worker to prepare an export (it looks every few seconds).
    static func ready(_ api: TestAPI, _ path: String, token: String) async throws -> JSON {
        for _ in 0..<100 {
            let export = try await api.call(.get, path, token: token).json
            if export["status"].string != "pending" { return export }
            try await Task.sleep(for: .milliseconds(200))
        }
        Issue.record("the export was not prepared within 20 s")
        return .null
    }

    @Test(
        "an export holds what the chamber has of the member, and nothing of anyone else's; only they and admins ask, admins audited",
        arguments: TestBackend.enabled)
    func export(_ backend: TestBackend) async throws {
        // A database of its own: another test server on the shared one would take the export and keep its archive in
        // its own folder (as nodes of a cluster share an object store, not a folder).
        try await withServer(backend, isolated: true) { api in
            let scene = try await Self.scene(api)
            let (chamber, ann, bob) = (scene.chamber, scene.ann, scene.bob)
            let exports = "\(chamber.path)/members/\(ann.userID)/data-exports"
            #expect(try await api.call(.post, exports, token: bob.accessToken).errorCode == "forbidden", "another member")
            #expect(try await api.call(.post, exports, token: chamber.staff.accessToken).errorCode == "forbidden", "staff")
            let other = try await EventTests.chamber(api, members: 0)
            let elsewhere = try await api.call(.post, "\(other.path)/members/\(ann.userID)/data-exports", token: other.admin.accessToken)
            #expect(elsewhere.status == .notFound && elsewhere.errorCode == "member_not_found", "\(elsewhere.json)")

            let asked = try await api.call(.post, exports, token: ann.accessToken)
            #expect(asked.status == .accepted && asked.json["status"].string == "pending", "\(asked.json)")
            let id = asked.json["id"].string ?? ""
            // Asking again answers the pending one; the worker may have finished it in between (it starts at once),
            // and then the second ask is a new export.
            let again = try await api.call(.post, exports, token: ann.accessToken).json["id"].string ?? ""
            if again != id {
                let first = try await api.call(.get, "\(exports)/\(id)", token: ann.accessToken)
                #expect(first.json["status"].string != "pending", "asking again answers the pending one: \(first.json)")
            }
            let early = try await api.call(.get, "\(exports)/\(id)/archive", token: ann.accessToken)
            if early.status != .ok { #expect(early.status == .conflict && early.errorCode == "data_export_not_ready", "\(early.json)") }

            let ready = try await Self.ready(api, "\(exports)/\(id)", token: ann.accessToken)
            #expect(ready["status"].string == "ready" && (ready["size"].int ?? 0) > 0, "\(ready["status"]) \(ready["failure"])")
            let download = try await api.call(.get, ready["archive_path"].string ?? "", token: ann.accessToken)
            #expect(download.status == .ok && download.headers[.contentType] == "application/zip")
            let archive = try await ZipReader.read(download.body)
            #expect(archive.error == nil, "\(archive.error ?? "")")

            let index = archive.json("index.json")
            #expect(index["user_id"].string == ann.userID && index["chamber_id"].string == chamber.id)
            let listed = Set(index["contents"].array.compactMap { $0["file"].string })
            #expect(listed == Set(archive.entries.keys).subtracting(["index.json"]), "the index names every file")
            #expect(archive.json("account.json")[0]["email"].string == ann.email)
            #expect(archive.json("membership.json")[0]["role"].string == "member")
            let messages = archive.json("messages.json").array
            #expect(messages.map { $0["body"].string } == ["Ann's own words"], "hers only: \(messages)")
            #expect(
                Set(archive.json("channels.json").array.compactMap { $0["name"].string }) == ["Lounge", "Breakfast, Networking & Co."],
                "the group, and the event's room her registration joined")
            let registrations = archive.json("registrations.json").array
            #expect(registrations.count == 1 && registrations.first?["guests"].array.count == 1, "\(registrations)")
            #expect(registrations.first?["event_title"].string == "Breakfast, Networking & Co.")
            #expect(archive.json("invoices.json").array.map { $0["id"].string } == [scene.invoiceID])
            #expect(archive.json("sessions.json").array.count >= 1)
            let everything = archive.entries.values.map { String(decoding: $0, as: UTF8.self) }.joined()
            for secret in ["password_hash", "check_in_token", "token_hash", "sealed_secret", bob.email, "Bob's own words"] {
                #expect(!everything.contains(secret), "the export holds no \(secret)")
            }
            let listedExports = try await api.call(.get, exports, token: ann.accessToken).json["items"].array
            #expect(Set(listedExports.compactMap { $0["id"].string }) == Set([id, again]))

            // An admin may ask for a member, and is audited; Ann's own request is in the log too.
            let forBob = try await api.call(.post, "\(chamber.path)/members/\(bob.userID)/data-exports", token: chamber.admin.accessToken)
            #expect(forBob.status == .accepted && forBob.json["requested_by"].string == chamber.admin.userID)
            let audit = try await api.call(
                .get, "\(chamber.path)/audit-log?action=member.data_export_requested", token: chamber.admin.accessToken
            ).json["items"].array
            #expect(Set(audit.compactMap { $0["target"].string }) == ["user:\(ann.userID)", "user:\(bob.userID)"], "\(audit)")
            #expect(
                try await api.call(.get, "\(exports)/\(forBob.json["id"].string ?? "")", token: ann.accessToken).errorCode == "data_export_not_found",
                "Bob's export is not under Ann")
            let bobs = "\(chamber.path)/members/\(bob.userID)/data-exports/\(forBob.json["id"].string ?? "")"
            let bobsReady = try await Self.ready(api, bobs, token: chamber.admin.accessToken)
            let bobsArchive = try await ZipReader.read(
                try await api.call(.get, bobsReady["archive_path"].string ?? "", token: chamber.admin.accessToken).body)
            #expect(bobsArchive.json("messages.json").array.map { $0["body"].string } == ["Bob's own words"])
            #expect(
                bobsArchive.entries["sessions.json"] == nil && bobsArchive.entries["devices.json"] == nil,
                "where he signs in from is no chamber's: not in an admin's export")
            let downloads = try await api.call(
                .get, "\(chamber.path)/audit-log?action=member.data_export_downloaded", token: chamber.admin.accessToken
            ).json["items"].array
            #expect(downloads.map { $0["target"].string } == ["user:\(bob.userID)"], "the admin's download is audited, Ann's own is not")
        }
    }

    @Test(
        "erasure leaves no personal field; messages and invoices stay under a former member; refused where another chamber's data is at stake",
        arguments: TestBackend.enabled)
    func erasure(_ backend: TestBackend) async throws {
        // A database of its own: another test server on the shared one would take the export and keep its archive in
        // its own folder (as nodes of a cluster share an object store, not a folder).
        try await withServer(backend, isolated: true) { api in
            let scene = try await Self.scene(api)
            let (chamber, ann, bob) = (scene.chamber, scene.ann, scene.bob)
            let asked = try await api.call(.post, "\(chamber.path)/members/\(ann.userID)/data-exports", token: ann.accessToken)
            _ = try await Self.ready(
                api, "\(chamber.path)/members/\(ann.userID)/data-exports/\(asked.json["id"].string ?? "")", token: ann.accessToken)

            // Bob also belongs to another chamber: this one's admin may not erase him.
            let other = try await EventTests.chamber(api, members: 0)
            try await api.addMember(bob, to: other.id, role: "member", by: other.admin)
            let refused = try await api.call(
                .post, "\(chamber.path)/members/\(bob.userID)/erasure", token: chamber.admin.accessToken, json: ["confirm_email": bob.email])
            #expect(refused.status == .conflict && refused.errorCode == "erasure_refused", "\(refused.json)")
            let herself = try await api.call(
                .post, "\(chamber.path)/members/\(ann.userID)/erasure", token: ann.accessToken, json: ["confirm_email": ann.email])
            #expect(herself.errorCode == "forbidden", "her own erasure asks for her password, elsewhere")
            let byBob = try await api.call(
                .post, "\(chamber.path)/members/\(ann.userID)/erasure", token: bob.accessToken, json: ["confirm_email": ann.email])
            #expect(byBob.errorCode == "forbidden")
            let slip = try await api.call(
                .post, "\(chamber.path)/members/\(ann.userID)/erasure", token: chamber.admin.accessToken, json: ["confirm_email": bob.email])
            #expect(slip.status == .badRequest && slip.errorField == "confirm_email")

            let erased = try await api.call(
                .post, "\(chamber.path)/members/\(ann.userID)/erasure", token: chamber.admin.accessToken, json: ["confirm_email": ann.email])
            #expect(erased.status == .noContent, "\(erased.json)")
            #expect(try await api.call(.get, "/v1/me", token: ann.accessToken).status == .unauthorized, "her sessions ended")
            let login = try await api.call(.post, "/v1/auth/login", json: ["email": ann.email, "password": ann.password])
            #expect(login.errorCode == "invalid_credentials")
            let members = try await api.call(.get, "\(chamber.path)/members", token: chamber.admin.accessToken).json["items"].array
            #expect(!members.contains { $0["user"]["id"].string == ann.userID || $0["user_id"].string == ann.userID })
            let history = try await api.call(.get, "\(chamber.path)/channels/\(scene.lounge)/messages", token: bob.accessToken).json["items"].array
            #expect(history.contains { $0["sender_id"].string == ann.userID && $0["body"].string == "Ann's own words" }, "her messages stay")
            let invoice = try await api.call(.get, "\(chamber.path)/invoices/\(scene.invoiceID)", token: chamber.staff.accessToken)
            #expect(invoice.status == .ok && invoice.json["user_id"].string == ann.userID, "financial records are kept")
            let audit = try await api.call(.get, "\(chamber.path)/audit-log?action=member.erased", token: chamber.admin.accessToken).json["items"]
            #expect(audit.array.first?["actor_id"].string == chamber.admin.userID)

            // No personal field is left: the account anonymised, everything else about her gone.
            let db = api.store.database
            let user = try #require(
                try await db.query("SELECT email, display_name, password_hash, erased_at FROM users WHERE id = ?", [.text(ann.userID)]).first)
            #expect(try user.string("display_name") == "A former member" && !(try user.string("email")).contains(ann.email))
            #expect(try user.string("password_hash") == "!" && (try user.optionalInt("erased_at")) != nil)
            for table in [
                "auth_sessions", "devices", "memberships", "channel_members", "notifications", "notification_choices", "membership_applications",
                "saved_cards", "data_exports",
            ] {
                let left = try await db.query(
                    "SELECT count(*) AS n FROM \(table) WHERE \(table == "membership_applications" ? "applicant_id" : "user_id") = ?",
                    [.text(ann.userID)])
                #expect(try left.first?.int("n") == 0, "\(table) keeps nothing of hers")
            }
            let registration = try await db.query("SELECT name, guests FROM event_registrations WHERE user_id = ?", [.text(ann.userID)])
            #expect(try registration.map { try $0.string("name") } == ["A former member"] && (try registration.first?.string("guests")) == "[]")
            for (table, column) in [("users", "email"), ("invitations", "email"), ("outbound_mail", "recipient"), ("audit_log", "detail")] {
                let found = try await db.query("SELECT count(*) AS n FROM \(table) WHERE \(column) LIKE ?", [.text("%\(ann.email)%")])
                #expect(try found.first?.int("n") == 0, "no \(table).\(column) names her address")
            }
            #expect(
                try await api.call(.post, "\(chamber.path)/members/\(ann.userID)/data-exports", token: chamber.admin.accessToken).errorCode
                    == "member_not_found")

            // Bob erases his own account, in both chambers, with his password.
            let wrong = try await api.call(.post, "/v1/me/erasure", token: bob.accessToken, json: ["password": "not his password"])
            #expect(wrong.status == .unauthorized && wrong.errorCode == "invalid_credentials")
            #expect(try await api.call(.post, "/v1/me/erasure", token: bob.accessToken, json: ["password": bob.password]).status == .noContent)
            for path in [chamber.path, other.path] {
                let left = try await api.call(
                    .get, "\(path)/members", token: path == chamber.path ? chamber.admin.accessToken : other.admin.accessToken)
                #expect(!left.json["items"].array.contains { $0["user"]["id"].string == bob.userID || $0["user_id"].string == bob.userID })
            }
            // The only admin of a chamber cannot go without handing it over.
            let alone = try await api.call(.post, "/v1/me/erasure", token: other.admin.accessToken, json: ["password": other.admin.password])
            #expect(alone.status == .conflict && alone.errorCode == "last_admin", "\(alone.json)")
        }
    }
}
