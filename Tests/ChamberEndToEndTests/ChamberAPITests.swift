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

@Suite("REST: chambers, invitations, members, businesses, audit log")
struct ChamberAPITests {
    @Test("create a chamber, invite, accept, list members, change a role, remove", arguments: TestBackend.enabled)
    func membershipFlow(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let ada = try await api.signUp("ada")
            let bob = try await api.signUp("bob")
            let created = try await api.call(
                .post, "/v1/chambers", token: ada.accessToken,
                json: ["name": "Springfield Chamber", "settings": ["timezone": "America/Chicago"], "branding": ["primary_color": "#1f5aa6"]])
            #expect(created.status == .created)
            let chamberID = created.json["id"].string ?? ""
            #expect(created.json["settings"]["timezone"].string == "America/Chicago")
            #expect(created.json["branding"]["primary_color"].string == "#1F5AA6")
            #expect(created.json["slug"].string == "springfield-chamber")

            let me = try await api.call(.get, "/v1/me", token: ada.accessToken)
            #expect(me.json["memberships"][0]["role"].string == "admin", "the creator is the admin")

            let invite = try await api.call(
                .post, "/v1/chambers/\(chamberID)/invitations", token: ada.accessToken, json: ["email": bob.email, "role": "staff"])
            #expect(invite.status == .created)
            #expect(invite.json["invitation"]["status"].string == "pending")
            let token = invite.json["token"].string ?? ""
            let mailed = try await api.store.mailOutbox.deliveries(to: bob.email, limit: 1).first?.mail
            #expect(mailed?.body.contains(token) == true, "the invitation is mailed too")

            let carol = try await api.signUp("carol")
            let stolen = try await api.call(.post, "/v1/invitations/accept", token: carol.accessToken, json: ["token": token])
            #expect(stolen.status == .forbidden && stolen.errorCode == "invitation_email_mismatch")

            let accepted = try await api.call(.post, "/v1/invitations/accept", token: bob.accessToken, json: ["token": token])
            #expect(accepted.status == .ok && accepted.json["role"].string == "staff")
            let twice = try await api.call(.post, "/v1/invitations/accept", token: bob.accessToken, json: ["token": token])
            #expect(twice.status == .conflict)

            let members = try await api.call(.get, "/v1/chambers/\(chamberID)/members", token: bob.accessToken)
            #expect(Set(members.json["items"].array.compactMap { $0["user_id"].string }) == [ada.userID, bob.userID])

            // Staff may not make anyone admin; admins may.
            let escalate = try await api.call(
                .patch, "/v1/chambers/\(chamberID)/members/\(bob.userID)", token: bob.accessToken, json: ["role": "admin"])
            #expect(escalate.status == .forbidden && escalate.errorCode == "role_not_assignable")
            let demote = try await api.call(
                .patch, "/v1/chambers/\(chamberID)/members/\(ada.userID)", token: ada.accessToken, json: ["role": "member"])
            #expect(demote.status == .conflict && demote.errorCode == "last_admin")
            let promote = try await api.call(
                .patch, "/v1/chambers/\(chamberID)/members/\(bob.userID)", token: ada.accessToken, json: ["role": "board"])
            #expect(promote.status == .ok && promote.json["role"].string == "board")

            let removed = try await api.call(.delete, "/v1/chambers/\(chamberID)/members/\(bob.userID)", token: ada.accessToken)
            #expect(removed.status == .noContent)
            let gone = try await api.call(.get, "/v1/chambers/\(chamberID)", token: bob.accessToken)
            #expect(gone.status == .notFound && gone.errorCode == "chamber_not_found")

            let audit = try await api.call(.get, "/v1/chambers/\(chamberID)/audit-log", token: ada.accessToken)
            let actions = audit.json["items"].array.compactMap { $0["action"].string }
            for action in ["chamber.created", "invitation.created", "invitation.accepted", "member.role_changed", "member.removed"] {
                #expect(actions.contains(action), "audit log has \(action)")
            }
        }
    }

    @Test("roles below admin are refused admin operations", arguments: TestBackend.enabled)
    func permissionsOverHTTP(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let admin = try await api.signUp("admin")
            let chamberID = try await api.createChamber(admin)
            var accounts: [String: Account] = [:]
            for role in ["staff", "moderator", "board", "member", "trial", "guest"] {
                let account = try await api.signUp(role)
                try await api.addMember(account, to: chamberID, role: role, by: admin)
                accounts[role] = account
            }
            for (role, account) in accounts {
                let settings = try await api.call(.patch, "/v1/chambers/\(chamberID)", token: account.accessToken, json: ["name": "Hijacked"])
                #expect(settings.status == .forbidden, "\(role) may not change settings")
                let remove = try await api.call(.delete, "/v1/chambers/\(chamberID)/members/\(admin.userID)", token: account.accessToken)
                #expect(remove.status == .forbidden, "\(role) may not remove the admin")
            }
            for role in ["moderator", "board", "member", "trial", "guest"] {
                let invite = try await api.call(
                    .post, "/v1/chambers/\(chamberID)/invitations", token: accounts[role]!.accessToken,
                    json: ["email": "x@example.com", "role": "member"])
                #expect(invite.status == .forbidden, "\(role) may not invite")
            }
            let staffInvite = try await api.call(
                .post, "/v1/chambers/\(chamberID)/invitations", token: accounts["staff"]!.accessToken,
                json: ["email": "y@example.com", "role": "member"])
            #expect(staffInvite.status == .created)
            let guestList = try await api.call(.get, "/v1/chambers/\(chamberID)/members", token: accounts["guest"]!.accessToken)
            #expect(guestList.status == .forbidden, "guests do not see the member list")
            let memberAudit = try await api.call(.get, "/v1/chambers/\(chamberID)/audit-log", token: accounts["member"]!.accessToken)
            #expect(memberAudit.status == .forbidden)
            let boardAudit = try await api.call(.get, "/v1/chambers/\(chamberID)/audit-log", token: accounts["board"]!.accessToken)
            #expect(boardAudit.status == .ok)
            // Anyone may leave, guests included.
            #expect(
                try await api.call(.delete, "/v1/chambers/\(chamberID)/members/\(accounts["trial"]!.userID)", token: accounts["trial"]!.accessToken)
                    .status == .noContent)
            #expect(
                try await api.call(.delete, "/v1/chambers/\(chamberID)/members/\(accounts["guest"]!.userID)", token: accounts["guest"]!.accessToken)
                    .status == .noContent)
            let name = try await api.call(.get, "/v1/chambers/\(chamberID)", token: admin.accessToken).json["name"].string
            #expect(name == "Test Chamber")
        }
    }

    @Test("businesses: owners edit their own, staff edit all, tax ids stay private", arguments: TestBackend.enabled)
    func businesses(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let admin = try await api.signUp("admin")
            let chamberID = try await api.createChamber(admin)
            let mia = try await api.signUp("mia")
            let max = try await api.signUp("max")
            try await api.addMember(mia, to: chamberID, role: "member", by: admin)
            try await api.addMember(max, to: chamberID, role: "member", by: admin)

            let created = try await api.call(
                .post, "/v1/chambers/\(chamberID)/businesses", token: mia.accessToken,
                json: [
                    "legal_name": "Mia's Bakery LLC", "tax_id": "12-3456789", "category": "Food", "website": "https://mias.example",
                    "address": ["line1": "12 Main St", "city": "Springfield", "postal_code": "62701", "country": "us"],
                    "social_links": ["instagram": "https://instagram.com/mias"],
                ])
            #expect(created.status == .created)
            let businessID = created.json["id"].string ?? ""
            #expect(created.json["owner_user_id"].string == mia.userID)
            #expect(created.json["address"]["country"].string == "US")

            let asMax = try await api.call(.get, "/v1/chambers/\(chamberID)/businesses/\(businessID)", token: max.accessToken)
            #expect(asMax.status == .ok && asMax.json["tax_id"].isNull, "other members do not see the tax id")
            let asAdmin = try await api.call(.get, "/v1/chambers/\(chamberID)/businesses/\(businessID)", token: admin.accessToken)
            #expect(asAdmin.json["tax_id"].string == "12-3456789")

            let hijack = try await api.call(
                .patch, "/v1/chambers/\(chamberID)/businesses/\(businessID)", token: max.accessToken, json: ["legal_name": "Max's Now"])
            #expect(hijack.status == .forbidden)
            let edit = try await api.call(
                .patch, "/v1/chambers/\(chamberID)/businesses/\(businessID)", token: mia.accessToken,
                json: ["display_name": "Mia's", "website": NSNull()])
            #expect(edit.status == .ok && edit.json["display_name"].string == "Mia's" && edit.json["website"].isNull)
            #expect(edit.json["legal_name"].string == "Mia's Bakery LLC", "absent fields stay")
            let ownerChange = try await api.call(
                .patch, "/v1/chambers/\(chamberID)/businesses/\(businessID)", token: mia.accessToken, json: ["owner_user_id": max.userID])
            #expect(ownerChange.status == .forbidden)

            let list = try await api.call(.get, "/v1/chambers/\(chamberID)/businesses", token: max.accessToken)
            #expect(list.json["items"].array.count == 1)

            // A chamber that keeps contact details private: members no longer see each other's, staff still do.
            _ = try await api.call(
                .patch, "/v1/chambers/\(chamberID)/businesses/\(businessID)", token: mia.accessToken, json: ["phone": "+1 217 555 0101"])
            #expect(
                try await api.call(
                    .patch, "/v1/chambers/\(chamberID)", token: admin.accessToken, json: ["settings": ["directory_visible_to_members": false]]
                ).status == .ok)
            let privateBusiness = try await api.call(.get, "/v1/chambers/\(chamberID)/businesses/\(businessID)", token: max.accessToken)
            #expect(privateBusiness.json["phone"].isNull)
            let members = try await api.call(.get, "/v1/chambers/\(chamberID)/members", token: max.accessToken)
            let others = members.json["items"].array.filter { $0["user_id"].string != max.userID }
            #expect(!others.isEmpty && others.allSatisfy { $0["email"].isNull }, "members' emails are hidden")
            #expect(members.json["items"].array.first { $0["user_id"].string == max.userID }?["email"].string == max.email, "one's own stays")
            let asStaff = try await api.call(.get, "/v1/chambers/\(chamberID)/members", token: admin.accessToken)
            #expect(asStaff.json["items"].array.allSatisfy { $0["email"].string != nil })
            #expect(try await api.call(.delete, "/v1/chambers/\(chamberID)/businesses/\(businessID)", token: mia.accessToken).status == .forbidden)
            #expect(try await api.call(.delete, "/v1/chambers/\(chamberID)/businesses/\(businessID)", token: admin.accessToken).status == .noContent)
            #expect(try await api.call(.get, "/v1/chambers/\(chamberID)/businesses/\(businessID)", token: admin.accessToken).status == .notFound)
        }
    }

    @Test("invitations can be listed and revoked; a revoked one cannot be accepted", arguments: TestBackend.enabled)
    func invitationRevocation(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let admin = try await api.signUp("admin")
            let chamberID = try await api.createChamber(admin)
            let bob = try await api.signUp("bob")
            let invite = try await api.call(
                .post, "/v1/chambers/\(chamberID)/invitations", token: admin.accessToken, json: ["email": bob.email, "role": "member"])
            let invitationID = invite.json["invitation"]["id"].string ?? ""
            let list = try await api.call(.get, "/v1/chambers/\(chamberID)/invitations", token: admin.accessToken)
            #expect(list.json["items"].array.compactMap { $0["id"].string } == [invitationID])
            #expect(
                try await api.call(.delete, "/v1/chambers/\(chamberID)/invitations/\(invitationID)", token: admin.accessToken).status == .noContent)
            let accept = try await api.call(
                .post, "/v1/invitations/accept", token: bob.accessToken, json: ["token": invite.json["token"].string ?? ""])
            #expect(accept.status == .conflict && accept.errorCode == "invitation_expired")
            let forged = try await api.call(.post, "/v1/invitations/accept", token: bob.accessToken, json: ["token": "\(chamberID).forged"])
            #expect(forged.status == .notFound && forged.errorCode == "invitation_not_found")
            let already = try await api.call(
                .post, "/v1/chambers/\(chamberID)/invitations", token: admin.accessToken, json: ["email": admin.email, "role": "member"])
            #expect(already.status == .conflict && already.errorCode == "already_member")
        }
    }

    @Test("platform admins list every chamber; others may not", arguments: TestBackend.enabled)
    func platformAdmin(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let ada = try await api.signUp("ada")
            let chamberID = try await api.createChamber(ada)
            let denied = try await api.call(.get, "/v1/chambers", token: ada.accessToken)
            #expect(denied.status == .forbidden && denied.errorCode == "platform_admin_required")

            let root = try await api.signUp("root")
            try await api.store.users.setPlatformAdmin(id: UserID(root.userID), true)
            var ids: [String] = []
            var cursor: String?
            repeat {
                let page = try await api.call(.get, "/v1/chambers?limit=50" + (cursor.map { "&cursor=\($0)" } ?? ""), token: root.accessToken)
                #expect(page.status == .ok)
                ids += page.json["items"].array.compactMap { $0["id"].string }
                cursor = page.json["next_cursor"].string
            } while cursor != nil
            #expect(ids.contains(chamberID))
            // Platform admins can support a chamber they do not belong to.
            #expect(try await api.call(.get, "/v1/chambers/\(chamberID)/members", token: root.accessToken).status == .ok)
        }
    }
}
