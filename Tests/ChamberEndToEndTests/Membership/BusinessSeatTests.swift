import ChamberDomain
import ChamberStorage
import ChamberTestSupport
import Foundation
import HTTPTypes
import Testing

/// The seats a business's tier gives its people, through the REST API and a socket: who gives them (the holder of the
/// membership, staff) and to whom, invitations that keep one, the tier's count held at every door, the business's
/// standing shared by its staff, the people directory, and another chamber that cannot reach them.
@Suite("REST: the seats of a member business")
struct BusinessSeatTests {
    @Test(
        "the holder seats members up to the tier's count, invites one more that keeps a seat, staff share the business's standing, a tier with fewer seats is refused",
        arguments: TestBackend.enabled)
    func seats(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let (admin, staff, apu) = (try await api.signUp("admin"), try await api.signUp("stella"), try await api.signUp("apu"))
            let (otto, zed, bart, lisa) = (
                try await api.signUp("otto"), try await api.signUp("zed"), try await api.signUp("bart"), try await api.signUp("lisa")
            )
            // Gold seats 3: the holder and two more.
            let chamber = try await MembershipApplicationTests.chamber(api, admin: admin, staff: staff)
            for member in [otto, zed, lisa] { try await api.addMember(member, to: chamber.id, role: "member", by: admin) }
            let gil = try await api.signUp("gil")
            try await api.addMember(gil, to: chamber.id, role: "guest", by: admin)
            try await MembershipStandingTests.approved(api, apu, chamber: chamber.id, tier: chamber.tier, staff: staff)
            let standing = try await api.call(.get, "/v1/chambers/\(chamber.id)/members/\(apu.userID)/standing", token: apu.accessToken)
            let businessID = try #require(standing.json["standing"]["business_id"].string)
            let people = "/v1/chambers/\(chamber.id)/businesses/\(businessID)/people"
            let standingPath = "/v1/chambers/\(chamber.id)/members/\(apu.userID)/standing"
            let paid = try await api.call(.post, standingPath, token: staff.accessToken, json: ["action": "record_payment", "note": "check"])
            #expect(paid.json["standing"]["status"].string == "active", "in the directory: \(paid.json)")

            let start = try await api.call(.get, people, token: zed.accessToken)
            #expect(start.status == .ok, "every member reads them: \(start.json)")
            #expect(start.json["seats"].int == 3 && start.json["seats_taken"].int == 1 && start.json["tier_id"].string == chamber.tier)
            #expect(start.json["people"].array.map { [$0["user_id"].string, $0["seat"].string] } == [[apu.userID, "holder"]])

            #expect(try await api.call(.get, people, token: gil.accessToken).errorCode == "forbidden", "guests list no people")

            // Who may give a seat, and to whom: staff directly; the holder invites, and only the member's acceptance
            // puts them on it (keeping their role).
            #expect(try await api.call(.put, "\(people)/\(otto.userID)", token: apu.accessToken).errorCode == "forbidden")
            #expect(try await api.call(.put, "\(people)/\(otto.userID)", token: zed.accessToken).errorCode == "forbidden")
            #expect(try await api.call(.put, "\(people)/\(bart.userID)", token: staff.accessToken).errorCode == "member_not_found")
            #expect(try await api.call(.put, "\(people)/\(apu.userID)", token: staff.accessToken).errorCode == "seat_conflict")
            #expect(try await api.call(.post, people, token: zed.accessToken, json: ["email": otto.email]).errorCode == "forbidden")
            let ottoInvited = try await api.call(.post, people, token: apu.accessToken, json: ["email": otto.email])
            #expect(ottoInvited.status == .created, "a member of the chamber is invited to the seat: \(ottoInvited.json)")
            let asHolder = try await api.call(.get, people, token: apu.accessToken)
            #expect(asHolder.json["invitations"].array.map { $0["email"].string } == [otto.email], "\(asHolder.json)")
            let asMember = try await api.call(.get, people, token: zed.accessToken)
            #expect(asMember.json["invitations"].array.isEmpty && asMember.json["invitations_pending"].int == 1, "counted, not shown")
            #expect(
                try await api.call(.get, "/v1/chambers/\(chamber.id)/members/\(otto.userID)", token: otto.accessToken).json["business_id"] == .null)
            let ottoAccepted = try await api.call(
                .post, "/v1/invitations/accept", token: otto.accessToken, json: ["token": ottoInvited.json["token"].string ?? ""])
            #expect(ottoAccepted.status == .ok && ottoAccepted.json["role"].string == "member", "\(ottoAccepted.json)")
            let given = try await api.call(.get, people, token: apu.accessToken)
            #expect(given.json["seats_taken"].int == 2 && given.json["invitations_pending"].int == 0, "\(given.json)")
            #expect(given.json["people"].array.map { $0["seat"].string } == ["holder", "staff"])
            #expect(try await api.call(.put, "\(people)/\(otto.userID)", token: staff.accessToken).json["seats_taken"].int == 2, "again: no change")
            let otto0 = try await api.call(.get, "/v1/chambers/\(chamber.id)/members/\(otto.userID)", token: otto.accessToken)
            #expect(otto0.json["business_id"].string == businessID, "\(otto0.json)")
            #expect(
                try await api.call(.post, people, token: apu.accessToken, json: ["email": otto.email]).errorCode == "seat_conflict",
                "a member with a business already")

            // An invitation keeps the last seat while pending, and gives it when accepted.
            let invited = try await api.call(.post, people, token: apu.accessToken, json: ["email": bart.email])
            #expect(invited.status == .created && invited.json["invitation"]["business_id"].string == businessID, "\(invited.json)")
            #expect(invited.json["invitation"]["role"].string == "member")
            #expect(try await api.call(.get, people, token: apu.accessToken).json["seats_taken"].int == 3)
            let full = try await api.call(.post, people, token: apu.accessToken, json: ["email": "someone-else@example.com"])
            #expect(full.status == .conflict && full.errorCode == "seats_full", "\(full.json)")
            #expect(try await api.call(.put, "\(people)/\(zed.userID)", token: staff.accessToken).errorCode == "seats_full")
            // Revoked by the holder, the invitation frees its seat; sent again, it keeps it again.
            let firstInvitation = "\(people)/invitations/\(invited.json["invitation"]["id"].string ?? "")"
            #expect(try await api.call(.delete, firstInvitation, token: zed.accessToken).errorCode == "forbidden")
            #expect(try await api.call(.delete, firstInvitation, token: apu.accessToken).status == .noContent)
            #expect(try await api.call(.delete, firstInvitation, token: apu.accessToken).errorCode == "invitation_expired")
            #expect(try await api.call(.get, people, token: apu.accessToken).json["seats_taken"].int == 2)
            let revokedToken = try await api.call(
                .post, "/v1/invitations/accept", token: bart.accessToken, json: ["token": invited.json["token"].string ?? ""])
            #expect(revokedToken.errorCode == "invitation_expired")
            let invitedAgain = try await api.call(.post, people, token: apu.accessToken, json: ["email": bart.email])
            #expect(invitedAgain.status == .created)
            let accepted = try await api.call(
                .post, "/v1/invitations/accept", token: bart.accessToken, json: ["token": invitedAgain.json["token"].string ?? ""])
            #expect(accepted.status == .ok, "\(accepted.json)")
            let seated = try await api.call(.get, people, token: bart.accessToken)
            #expect(seated.json["seats_taken"].int == 3 && seated.json["invitations_pending"].int == 0)
            #expect(Set(seated.json["people"].array.compactMap { $0["user_id"].string }) == [apu.userID, otto.userID, bart.userID])
            #expect(
                try await api.call(.get, "/v1/chambers/\(chamber.id)/members/\(bart.userID)", token: bart.accessToken).json["business_id"].string
                    == businessID)

            // The people directory finds the staff by the business's name and category, and says how they are with it.
            let found = try await api.call(
                .get, "/v1/chambers/\(chamber.id)/directory/people?q=kwik&category=445", token: lisa.accessToken)
            let byID = Dictionary(
                uniqueKeysWithValues: found.json["items"].array.map { ($0["user_id"].string ?? "", $0["businesses"].array.first?["relation"].string) }
            )
            #expect(byID[otto.userID] == "staff" && byID[bart.userID] == "staff" && byID[apu.userID] == "owner", "\(found.json)")
            #expect(byID[zed.userID] == nil)
            // And by what the business shows members: a word of its description, its city.
            for words in ["open night", "springfield"] {
                let byPlace = try await api.call(
                    .get, "/v1/chambers/\(chamber.id)/directory/people?q=\(words.replacingOccurrences(of: " ", with: "+"))", token: lisa.accessToken)
                let ids = Set(byPlace.json["items"].array.compactMap { $0["user_id"].string })
                #expect(ids == [apu.userID, otto.userID, bart.userID], "\(words): \(byPlace.json)")
            }
            #expect(
                try await api.call(.get, "/v1/chambers/\(chamber.id)/directory/people?category=722", token: lisa.accessToken).json["items"].array
                    .isEmpty)

            // A tier that seats fewer than the business's people is refused; one that seats them all is taken.
            let bronze = try await api.call(
                .post, "/v1/chambers/\(chamber.id)/tiers", token: staff.accessToken,
                json: ["name": "Bronze", "dues_cents": 20_000, "period": "annual", "seats": 2])
            let bronzeID = bronze.json["id"].string ?? ""
            let smaller = try await api.call(.post, standingPath, token: staff.accessToken, json: ["action": "change_tier", "tier_id": bronzeID])
            #expect(smaller.status == .conflict && smaller.errorCode == "seats_full", "\(smaller.json)")

            // Staff share the business's standing: suspended with it, their socket told, their sends refused.
            let socket = try await HubTests.socket(api, otto, chamber.id)
            let suspended = try await api.call(
                .post, standingPath, token: staff.accessToken, json: ["action": "suspend", "reason": "dues dispute"])
            #expect(suspended.json["standing"]["status"].string == "suspended", "\(suspended.json)")
            #expect(try await socket.closeCode(timeout: .seconds(30)) == 4005, "otto's socket picks up the business's standing")
            let told = try await api.store.mailOutbox.deliveries(to: otto.email, limit: 10).map(\.mail)
            #expect(told.contains { $0.subject.hasSuffix("membership is suspended") && $0.body.contains("cannot post") }, "\(told.map(\.subject))")
            let dm = try await api.call(.post, "/v1/chambers/\(chamber.id)/channels/direct", token: lisa.accessToken, json: ["user_id": otto.userID])
            let dmPath = "/v1/chambers/\(chamber.id)/channels/\(dm.json["id"].string ?? "")/messages"
            let refused = try await api.call(.post, dmPath, token: otto.accessToken, json: ["client_message_id": "s-1", "body": "hi"])
            #expect(refused.status == .forbidden && refused.errorCode == "membership_inactive", "\(refused.json)")
            let hidden = try await api.call(.get, "/v1/chambers/\(chamber.id)/directory/people?q=kwik", token: lisa.accessToken)
            #expect(hidden.json["items"].array.allSatisfy { $0["user_id"].string != otto.userID }, "out of the directory with the business")
            let lapsedInvite = try await api.call(.post, people, token: apu.accessToken, json: ["email": "new@example.com"])
            #expect(lapsedInvite.errorCode == "membership_inactive", "a suspended business seats nobody new: \(lapsedInvite.json)")

            // Leaving the business: the member's own choice; the holder's seat is not freed this way.
            #expect(try await api.call(.delete, "\(people)/\(apu.userID)", token: staff.accessToken).errorCode == "seat_conflict")
            #expect(try await api.call(.delete, "\(people)/\(otto.userID)", token: zed.accessToken).errorCode == "forbidden")
            #expect(try await api.call(.delete, "\(people)/\(otto.userID)", token: otto.accessToken).status == .noContent)
            #expect(try await api.call(.delete, "\(people)/\(otto.userID)", token: otto.accessToken).errorCode == "member_not_found")
            let free = try await api.call(.post, dmPath, token: otto.accessToken, json: ["client_message_id": "s-2", "body": "hi"])
            #expect(free.status == .created, "no longer bound by the business's standing: \(free.json)")
            #expect(try await api.call(.get, people, token: apu.accessToken).json["seats_taken"].int == 2)
            #expect(
                try await api.call(.post, standingPath, token: staff.accessToken, json: ["action": "reinstate"]).status == .ok)
            let changed = try await api.call(.post, standingPath, token: staff.accessToken, json: ["action": "change_tier", "tier_id": bronzeID])
            #expect(changed.status == .ok, "two people, two seats: \(changed.json)")
            #expect(try await api.call(.get, people, token: apu.accessToken).json["seats"].int == 2)

            let audit = try await api.call(.get, "/v1/chambers/\(chamber.id)/audit-log?action=invitation.accepted", token: admin.accessToken)
            #expect(
                audit.json["items"].array.filter { $0["detail"].string?.contains("a seat of business:\(businessID)") == true }.count == 2,
                "otto and bart took their seats: \(audit.json)")

            // The holder leaves the chamber: the seats go with the membership.
            #expect(try await api.call(.delete, "/v1/chambers/\(chamber.id)/members/\(apu.userID)", token: apu.accessToken).status == .noContent)
            let bart1 = try await api.call(.get, "/v1/chambers/\(chamber.id)/members/\(bart.userID)", token: bart.accessToken)
            #expect(bart1.status == .ok && bart1.json["business_id"] == .null, "\(bart1.json)")
            #expect(try await api.call(.get, people, token: bart.accessToken).json["people"].array.isEmpty)
        }
    }

    @Test("ten seats given and invited at once, on the store's pool, for the last two: exactly two are taken", arguments: TestBackend.enabled)
    func lastSeats(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let (admin, staff, apu) = (try await api.signUp("admin"), try await api.signUp("stella"), try await api.signUp("apu"))
            let chamber = try await MembershipApplicationTests.chamber(api, admin: admin, staff: staff)
            try await MembershipStandingTests.approved(api, apu, chamber: chamber.id, tier: chamber.tier, staff: staff)
            let standing = try await api.call(.get, "/v1/chambers/\(chamber.id)/members/\(apu.userID)/standing", token: apu.accessToken)
            let people = "/v1/chambers/\(chamber.id)/businesses/\(standing.json["standing"]["business_id"].string ?? "")/people"
            var members: [Account] = []
            for index in 0..<5 {
                let member = try await api.signUp("m\(index)")
                try await api.addMember(member, to: chamber.id, role: "member", by: admin)
                members.append(member)
            }
            // Straight to the store, on its pool (the test's HTTP client holds one connection, so its calls would queue).
            let scope = api.store.scoped(to: ChamberID(chamber.id))
            let businessID = BusinessID(standing.json["standing"]["business_id"].string ?? "")
            let answers = await withTaskGroup(of: String.self) { group in
                for member in members {
                    group.addTask {
                        do {
                            return try await scope.seats.give(userID: UserID(member.userID), businessID: businessID, at: Date()) ? "given" : "held"
                        } catch { return (error as? ChamberError)?.code.rawValue ?? "\(error)" }
                    }
                }
                for index in 0..<5 {
                    group.addTask {
                        let invitation = Invitation(
                            id: .generate(), chamberID: ChamberID(chamber.id), email: "new\(index)@example.com", role: .member,
                            invitedBy: UserID(staff.userID), createdAt: Date(), expiresAt: Date().addingTimeInterval(3_600), businessID: businessID)
                        do {
                            try await scope.invitations.insert(invitation, tokenHash: "hash-\(index)-\(UUID())")
                            return "invited"
                        } catch { return (error as? ChamberError)?.code.rawValue ?? "\(error)" }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.filter { ["given", "invited"].contains($0) }.count == 2, "Gold seats 3, the holder's one taken: \(answers)")
            #expect(answers.filter { $0 == "seats_full" }.count == 8, "\(answers)")
            let seating = try await api.call(.get, people, token: staff.accessToken)
            #expect(seating.json["seats_taken"].int == 3 && seating.json["seats"].int == 3, "\(seating.json)")
        }
    }

    @Test("another chamber's staff reach no seat of this chamber's businesses", arguments: TestBackend.enabled)
    func otherChamber(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let (admin, staff, apu, other) = (
                try await api.signUp("admin"), try await api.signUp("stella"), try await api.signUp("apu"), try await api.signUp("other")
            )
            let chamber = try await MembershipApplicationTests.chamber(api, admin: admin, staff: staff)
            try await MembershipStandingTests.approved(api, apu, chamber: chamber.id, tier: chamber.tier, staff: staff)
            let standing = try await api.call(.get, "/v1/chambers/\(chamber.id)/members/\(apu.userID)/standing", token: apu.accessToken)
            let businessID = try #require(standing.json["standing"]["business_id"].string)
            let theirs = try await api.call(
                .post, "/v1/chambers", token: other.accessToken, json: ["name": "Capital City", "slug": unique("capital")])
            let path = "/v1/chambers/\(theirs.json["id"].string ?? "")/businesses/\(businessID)/people"
            #expect(try await api.call(.get, path, token: other.accessToken).errorCode == "business_not_found")
            #expect(try await api.call(.put, "\(path)/\(other.userID)", token: other.accessToken).errorCode == "business_not_found")
            #expect(try await api.call(.post, path, token: other.accessToken, json: ["email": "x@example.com"]).errorCode == "business_not_found")
            #expect(
                try await api.call(.get, "/v1/chambers/\(chamber.id)/businesses/\(businessID)/people", token: other.accessToken).errorCode
                    == "chamber_not_found")

            // Deleting the business revokes its invitations to a seat.
            try await api.call(
                .post, "/v1/chambers/\(chamber.id)/members/\(apu.userID)/standing", token: staff.accessToken, json: ["action": "record_payment"])
            let invited = try await api.call(
                .post, "/v1/chambers/\(chamber.id)/businesses/\(businessID)/people", token: apu.accessToken, json: ["email": other.email])
            #expect(invited.status == .created, "\(invited.json)")
            #expect(try await api.call(.delete, "/v1/chambers/\(chamber.id)/businesses/\(businessID)", token: staff.accessToken).status == .noContent)
            let late = try await api.call(
                .post, "/v1/invitations/accept", token: other.accessToken, json: ["token": invited.json["token"].string ?? ""])
            #expect(late.errorCode == "invitation_expired", "\(late.json)")
            #expect(try await api.call(.get, "/v1/chambers/\(chamber.id)/members/\(apu.userID)", token: apu.accessToken).json["business_id"] == .null)
        }
    }
}
