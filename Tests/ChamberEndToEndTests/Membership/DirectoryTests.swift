import ChamberDomain
import ChamberStorage
import ChamberTestSupport
import Foundation
import HTTPTypes
import Testing

/// The business directory as members, staff and the public meet it: search by words and category, names ranked
/// first, each field shown and searched only as its business allows the reader, listings following the owner's
/// standing, the public page.
@Suite("REST: the business directory")
struct DirectoryTests {
    @Test(
        "pages in name and age order carry on after their last row: listings added and removed between pages are neither repeated nor skipped",
        arguments: TestBackend.enabled)
    func keyPaging(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let (admin, staff) = (try await api.signUp("admin"), try await api.signUp("stella"))
            let chamber = try await MembershipApplicationTests.chamber(api, admin: admin, staff: staff)
            let businesses = "/v1/chambers/\(chamber.id)/businesses"
            var ids: [String: String] = [:]
            func add(_ name: String) async throws {
                let made = try await api.call(.post, businesses, token: staff.accessToken, json: ["legal_name": name, "owner_user_id": NSNull()])
                #expect(made.status == .created, "\(made.json)")
                ids[name] = made.json["id"].string
            }
            // Two with one name apart by case, and one with the same name: the key goes down to the id.
            for name in ["Apple", "banana", "Banana", "Cherry", "Cherry", "Damson"] { try await add(name) }
            func page(_ query: String) async throws -> (names: [String], next: String?) {
                let found = try await api.call(.get, "/v1/chambers/\(chamber.id)/directory?\(query)", token: staff.accessToken)
                #expect(found.status == .ok, "\(query): \(found.json)")
                return (found.json["items"].array.compactMap { $0["legal_name"].string }, found.json["next_cursor"].string)
            }
            let first = try await page("limit=3")
            #expect(first.names == ["Apple", "Banana", "banana"], "by lower-cased name, then as written")
            // Between pages: a listing before the cursor is added and one of the first page removed. An offset would
            // now repeat "banana" or skip a "Cherry".
            try await add("Aardvark")
            #expect(try await api.call(.delete, "\(businesses)/\(ids["Apple"] ?? "")", token: staff.accessToken).status == .noContent)
            let cursor = try #require(first.next)
            let second = try await page("limit=3&cursor=\(cursor)")
            #expect(second.names == ["Cherry", "Cherry", "Damson"], "\(second)")
            #expect(second.next == nil)

            let newest = try await page("sort=newest&limit=2")
            #expect(newest.names == ["Aardvark", "Damson"], "\(newest)")
            try await add("Elderberry")
            let older = try await page("sort=newest&limit=2&cursor=\(newest.next ?? "")")
            #expect(older.names == ["Cherry", "Cherry"], "a newer listing does not push the next page back: \(older)")

            // Made up, not issued: a time past what a date holds (it must not bring the server down), a NUL, an id of
            // another shape.
            func key(_ json: String) -> String {
                "k"
                    + Data(json.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                    .replacingOccurrences(of: "=", with: "")
            }
            for (query, why) in [
                ("sort=newest&cursor=\(key(#"{"order":"newest","name":"","createdAt":9300000000000000,"id":"x"}"#))", "a time out of range"),
                ("sort=newest&cursor=\(key(#"{"order":"newest","name":"","createdAt":-9300000000000000,"id":"x"}"#))", "a time before any"),
                ("cursor=\(key(#"{"order":"name","name":"a\u0000b","id":"x"}"#))", "a NUL in the name"),
                ("cursor=\(key(#"{"order":"name","name":"a","id":"x' OR 1=1 --"}"#))", "an id of another shape"),
                ("sort=newest&cursor=\(cursor)", "a cursor of name order"), ("q=cherry&cursor=\(cursor)", "relevance with words"),
                ("cursor=kbm90LWEta2V5", "not one the server made"), ("cursor=x1", "neither kind"),
            ] {
                let refused = try await api.call(.get, "/v1/chambers/\(chamber.id)/directory?\(query)", token: staff.accessToken)
                #expect(refused.status == .badRequest && refused.errorCode == "invalid_cursor", "\(why): \(refused.json)")
            }

            // People too: by name, after the last one.
            for name in ["Marge", "Bart", "Lisa"] {
                try await api.addMember(try await api.signUp(name.lowercased()), to: chamber.id, role: "member", by: admin)
            }
            let people = "/v1/chambers/\(chamber.id)/directory/people"
            let firstPeople = try await api.call(.get, "\(people)?limit=2", token: staff.accessToken)
            #expect(firstPeople.json["items"].array.compactMap { $0["display_name"].string } == ["Admin", "Bart"], "\(firstPeople.json)")
            try await api.addMember(try await api.signUp("abe"), to: chamber.id, role: "member", by: admin)
            let nextPeople = try await api.call(
                .get, "\(people)?limit=2&cursor=\(firstPeople.json["next_cursor"].string ?? "")", token: staff.accessToken)
            #expect(nextPeople.json["items"].array.compactMap { $0["display_name"].string } == ["Lisa", "Marge"], "\(nextPeople.json)")
        }
    }

    @Test(
        "search by name, keyword, place and category; privacy per field for the public, members, staff and the owner; standing decides the listing",
        arguments: TestBackend.enabled)
    func directory(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let (admin, staff, monty, moe, apu, gil) = (
                try await api.signUp("admin"), try await api.signUp("stella"), try await api.signUp("monty"), try await api.signUp("moe"),
                try await api.signUp("apu"), try await api.signUp("gil")
            )
            let chamber = try await MembershipApplicationTests.chamber(api, admin: admin, staff: staff)
            for member in [monty, moe] { try await api.addMember(member, to: chamber.id, role: "member", by: admin) }
            try await api.addMember(gil, to: chamber.id, role: "guest", by: admin)
            #expect(
                try await api.call(.get, "/v1/public/chambers/\(chamber.slug)/directory").errorCode == "directory_not_public", "off until turned on")
            let opened = try await api.call(
                .patch, "/v1/chambers/\(chamber.id)", token: admin.accessToken, json: ["settings": ["public_directory": true]])
            #expect(opened.json["settings"]["public_directory"].bool == true)
            let businesses = "/v1/chambers/\(chamber.id)/businesses"
            let plant = try await api.call(
                .post, businesses, token: monty.accessToken,
                json: [
                    "legal_name": "Springfield Nuclear Power Plant", "category": "221", "phone": "+1 217 555 0100",
                    "description": "Power for the whole town", "address": ["line1": "100 Industrial Way", "city": "Capital City"],
                    "privacy": ["phone": "staff", "address": "public"],
                ])
            #expect(plant.status == .created && plant.json["privacy"]["phone"].string == "staff", "\(plant.json)")
            let tavern = try await api.call(
                .post, businesses, token: moe.accessToken,
                json: [
                    "legal_name": "Moe's Tavern", "category": "722", "description": "Cold beer, the finest in town",
                    "address": ["line1": "57 Walnut St", "city": "Springfield"], "privacy": ["description": "members", "address": "public"],
                ])
            let tavernID = tavern.json["id"].string ?? ""
            for (bad, field) in [(["fax": "public"], "privacy.fax"), (["phone": "everyone"], "privacy.phone")] {
                let refused = try await api.call(.patch, "\(businesses)/\(tavernID)", token: moe.accessToken, json: ["privacy": bad])
                #expect(refused.status == .badRequest && refused.json["error"]["field"].string == field, "\(refused.json)")
            }
            // Approved through an application with no trial: pending its first dues, so not listed yet.
            try await MembershipStandingTests.approved(api, apu, chamber: chamber.id, tier: chamber.tier, staff: staff)
            let welcome = try await api.store.mailOutbox.deliveries(to: apu.email, limit: 5).map(\.mail)
            #expect(welcome.contains { $0.body.contains("your business will be in the directory once your first dues are paid") }, "\(welcome)")

            func search(_ query: String, as account: Account?) async throws -> [JSON] {
                let path = account == nil ? "/v1/public/chambers/\(chamber.slug)/directory?\(query)" : "/v1/chambers/\(chamber.id)/directory?\(query)"
                let found = try await api.call(.get, path, token: account?.accessToken)
                #expect(found.status == .ok, "\(path): \(found.json)")
                return found.json["items"].array
            }
            func names(_ items: [JSON]) -> [String] { items.compactMap { $0["legal_name"].string } }

            // Words are prefixes, all required; names weigh most: the plant's name beats the tavern's address.
            #expect(names(try await search("q=spring", as: moe)) == ["Springfield Nuclear Power Plant", "Moe's Tavern"])
            #expect(names(try await search("q=SPRING%20nuclear", as: moe)) == ["Springfield Nuclear Power Plant"])
            #expect(names(try await search("q=walnut", as: nil)) == ["Moe's Tavern"], "the address is public")
            #expect(names(try await search("category=722", as: moe)) == ["Moe's Tavern"])
            #expect(names(try await search("sort=name", as: moe)) == ["Moe's Tavern", "Springfield Nuclear Power Plant"], "Kwik-E-Mart is pending")

            // The tavern's description is the members': they find it by it and read it; the public does neither.
            let beer = try await search("q=beer", as: moe)
            #expect(names(beer) == ["Moe's Tavern"] && beer.first?["description"].string == "Cold beer, the finest in town")
            #expect(try await search("q=beer", as: nil).isEmpty, "the public cannot find a listing by what it cannot read")
            #expect(try await search("q=beer", as: gil).isEmpty, "a guest reads as the public")
            let tavernForPublic = try await search("q=tavern", as: nil).first
            #expect(tavernForPublic?["description"].isNull == true && tavernForPublic?["owner_user_id"].isNull == true)
            #expect(tavernForPublic?["address"]["city"].string == "Springfield")

            // The plant's phone is staff's: not the members', not the public's; its owner sees it.
            let plantID = plant.json["id"].string ?? ""
            for (reader, sees) in [(moe, false), (staff, true), (monty, true), (moe, false)] {
                let entry = try await search("q=nuclear", as: reader).first
                #expect((entry?["phone"].string != nil) == sees, "\(reader.email)")
                let direct = try await api.call(.get, "\(businesses)/\(plantID)", token: reader.accessToken)
                #expect((direct.json["phone"].string != nil) == sees, "the businesses route shows the same: \(reader.email)")
            }
            #expect(try await search("q=0100", as: staff).isEmpty, "phone numbers are never searched")

            // An edit is searched at once, and what it replaced is not.
            let edited = try await api.call(
                .patch, "\(businesses)/\(tavernID)", token: moe.accessToken, json: ["description": "Karaoke on Fridays"])
            #expect(edited.status == .ok, "\(edited.json)")
            #expect(names(try await search("q=karaoke", as: moe)) == ["Moe's Tavern"])
            #expect(try await search("q=beer", as: moe).isEmpty)

            // Answers are kept until the directory changes, whichever node changes it: a write past this node's
            // services (as another node's would be) is found at once.
            let tavernStores = api.store.scoped(to: ChamberID(chamber.id)).businesses
            var renamed = try #require(try await tavernStores.find(id: BusinessID(tavernID)))
            renamed.legalName = "Flaming Moe's"
            #expect(try await tavernStores.update(renamed))
            #expect(names(try await search("q=flaming", as: moe)) == ["Flaming Moe's"])
            #expect(try await search("q=tavern", as: moe).isEmpty)
            renamed = try #require(try await tavernStores.find(id: BusinessID(tavernID)))
            renamed.legalName = "Moe's Tavern"
            #expect(try await tavernStores.update(renamed))

            // Paid up: the Kwik-E-Mart is listed.
            let paid = try await api.call(
                .post, "/v1/chambers/\(chamber.id)/members/\(apu.userID)/standing", token: staff.accessToken, json: ["action": "record_payment"])
            #expect(paid.json["standing"]["status"].string == "active")
            let all = try await api.call(.get, "/v1/chambers/\(chamber.id)/directory?limit=2", token: moe.accessToken)
            #expect(names(all.json["items"].array) == ["Kwik-E-Mart LLC", "Moe's Tavern"])
            let cursor = try #require(all.json["next_cursor"].string)
            let rest = try await api.call(.get, "/v1/chambers/\(chamber.id)/directory?limit=2&cursor=\(cursor)", token: moe.accessToken)
            #expect(names(rest.json["items"].array) == ["Springfield Nuclear Power Plant"] && rest.json["next_cursor"].isNull)
            #expect(names(try await search("q=kwik", as: nil)) == ["Kwik-E-Mart LLC"])

            // Bad input is named; a chamber that keeps its directory to members has no public page.
            for (query, field) in [("q=a%20b%20c%20d%20e%20f%20g%20h%20i", "q"), ("sort=random", "sort"), ("category=abc", "category")] {
                let refused = try await api.call(.get, "/v1/chambers/\(chamber.id)/directory?\(query)", token: moe.accessToken)
                #expect(refused.status == .badRequest && refused.json["error"]["field"].string == field, "\(query): \(refused.json)")
            }
            let closed = try await api.call(
                .patch, "/v1/chambers/\(chamber.id)", token: admin.accessToken, json: ["settings": ["public_directory": false]])
            #expect(closed.json["settings"]["public_directory"].bool == false)
            let refused = try await api.call(.get, "/v1/public/chambers/\(chamber.slug)/directory")
            #expect(refused.status == .forbidden && refused.errorCode == "directory_not_public")
            // Guests read the chamber as the public; with no public directory that is names only, and so is their search.
            #expect(try await search("q=walnut", as: gil).isEmpty, "the address is no longer the public's")
            let tavernForGuest = try await search("q=tavern", as: gil)
            #expect(names(tavernForGuest) == ["Moe's Tavern"] && tavernForGuest.first?["address"]["city"].isNull == true)
            #expect(try await api.call(.get, "/v1/public/chambers/no-such-chamber/directory").errorCode == "chamber_not_found")
        }
    }

    @Test("edits of different fields at once are all kept (each is applied again to the newer reading)", arguments: TestBackend.enabled)
    func crossingEdits(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let (admin, staff, moe) = (try await api.signUp("admin"), try await api.signUp("stella"), try await api.signUp("moe"))
            let chamber = try await MembershipApplicationTests.chamber(api, admin: admin, staff: staff)
            try await api.addMember(moe, to: chamber.id, role: "member", by: admin)
            let created = try await api.call(
                .post, "/v1/chambers/\(chamber.id)/businesses", token: moe.accessToken, json: ["legal_name": "Moe's Tavern"])
            let path = "/v1/chambers/\(chamber.id)/businesses/\(created.json["id"].string ?? "")"
            let edits: [(Account, [String: Any])] = [
                (moe, ["description": "Cold beer"]), (moe, ["phone": "+1 217 555 0177"]), (moe, ["website": "https://moes.example"]),
                (staff, ["privacy": ["phone": "staff"]]), (staff, ["category": "722"]), (moe, ["display_name": "Moe's"]),
            ]
            let requests = try edits.map { ($0.0.accessToken, String(decoding: try JSONSerialization.data(withJSONObject: $0.1), as: UTF8.self)) }
            try await withThrowingTaskGroup(of: Int.self) { group in
                for (token, body) in requests {
                    group.addTask {
                        Int((try await api.call(.patch, path, token: token, raw: body)).status.code)
                    }
                }
                for try await status in group { #expect(status == 200) }
            }
            let business = try await api.call(.get, path, token: staff.accessToken).json
            #expect(business["description"].string == "Cold beer" && business["phone"].string == "+1 217 555 0177")
            #expect(business["website"].string == "https://moes.example" && business["privacy"]["phone"].string == "staff")
            #expect(business["category"].string == "722" && business["display_name"].string == "Moe's", "\(business)")
        }
    }

    @Test("accents and case do not matter: 'jose' finds José, 'zoe nunez' finds Zoë Núñez, on both databases", arguments: TestBackend.enabled)
    func folded(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let admin = try await api.signUp("admin")
            let email = "\(unique("zoe"))@example.com"
            let registered = try await api.call(
                .post, "/v1/auth/register", json: ["email": email, "password": "correct horse battery", "display_name": "Zoë Núñez"])
            #expect(registered.status == .created, "\(registered.json)")
            let zoe = try await api.logIn(email: email, password: "correct horse battery")
            let chamberID = try await api.createChamber(admin)
            try await api.addMember(zoe, to: chamberID, role: "member", by: admin)
            let created = try await api.call(.post, "/v1/chambers/\(chamberID)/businesses", token: zoe.accessToken, json: ["legal_name": "Café José"])
            #expect(created.status == .created, "\(created.json)")
            func people(_ q: String) async throws -> [String] {
                let found = try await api.call(.get, "/v1/chambers/\(chamberID)/directory/people?q=\(q)", token: admin.accessToken)
                return found.json["items"].array.compactMap { $0["user_id"].string }
            }
            func businesses(_ q: String) async throws -> [String] {
                let found = try await api.call(.get, "/v1/chambers/\(chamberID)/directory?q=\(q)", token: admin.accessToken)
                return found.json["items"].array.compactMap { $0["legal_name"].string }
            }
            #expect(try await people("ZOE%20nunez") == [zoe.userID])
            #expect(try await people("N%C3%9A%C3%91") == [zoe.userID], "typed with accents, in capitals")
            #expect(try await people("cafe") == [zoe.userID], "by the business's name")
            #expect(try await businesses("jose%20caf") == ["Café José"])
            #expect(try await businesses("Jos%C3%A9") == ["Café José"])
        }
    }

    @Test("people: found by the words of their name or their business's, for members and staff, not guests", arguments: TestBackend.enabled)
    func people(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let (admin, staff, moe, monty, gil) = (
                try await api.signUp("admin"), try await api.signUp("stella"), try await api.signUp("moe"), try await api.signUp("monty"),
                try await api.signUp("gil")
            )
            let chamber = try await MembershipApplicationTests.chamber(api, admin: admin, staff: staff)
            for member in [moe, monty] { try await api.addMember(member, to: chamber.id, role: "member", by: admin) }
            try await api.addMember(gil, to: chamber.id, role: "guest", by: admin)
            let businesses = "/v1/chambers/\(chamber.id)/businesses"
            _ = try await api.call(.post, businesses, token: moe.accessToken, json: ["legal_name": "Moe's Tavern"])
            _ = try await api.call(.post, businesses, token: monty.accessToken, json: ["legal_name": "Springfield Nuclear Power Plant"])
            func search(_ q: String, as account: Account) async throws -> [String] {
                let found = try await api.call(.get, "/v1/chambers/\(chamber.id)/directory/people?q=\(q)", token: account.accessToken)
                #expect(found.status == .ok, "\(found.json)")
                return found.json["items"].array.compactMap { $0["user_id"].string }
            }
            #expect(try await search("moe", as: monty) == [moe.userID])
            #expect(try await search("nucl", as: moe) == [monty.userID], "found by the business they own")
            #expect(try await search("STEL", as: moe) == [staff.userID])
            #expect(try await search("tavern%20moe", as: staff) == [moe.userID], "every word must match")
            #expect(try await search("ern", as: staff).isEmpty, "words match from their start")
            #expect(try await search("", as: moe).count == 5)
            let one = try await api.call(.get, "/v1/chambers/\(chamber.id)/directory/people?q=monty", token: moe.accessToken).json["items"][0]
            #expect(one["businesses"][0]["legal_name"].string == "Springfield Nuclear Power Plant" && one["email"].isNull)
            let guest = try await api.call(.get, "/v1/chambers/\(chamber.id)/directory/people", token: gil.accessToken)
            #expect(guest.status == .forbidden)
        }
    }
}
