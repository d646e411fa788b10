import ChamberDomain
import ChamberTestSupport
import Foundation
import Testing

@testable import ChamberStorage

/// The directory revision a node keeps search answers under: every committed change to what a search can answer
/// moves it, whoever writes (the triggers see raw SQL too), nothing else does, and compaction never changes it.
@Suite("The directory's revision in the store")
struct DirectoryRevisionTests {
    @Test("businesses, memberships and standings move it; last-seen times and roles do not; compaction keeps it", arguments: TestBackend.enabled)
    func revision(_ backend: TestBackend) async throws {
        try await backend.withDatabase { (db) async throws -> Void in
            let store = SQLStore(database: db, fields: .testing)
            let founder = try await StoreSuiteTests.user("founder", in: store)
            let chamber = try await StoreSuiteTests.chamber(founder, in: store)
            let other = try await StoreSuiteTests.chamber(try await StoreSuiteTests.user("elsewhere", in: store), in: store)
            let owner = try await StoreSuiteTests.user("owner", in: store)
            let scoped = store.scoped(to: chamber.id)
            let now = StoreSuiteTests.now
            var revision = try await scoped.directory.revision()
            #expect(revision > 0, "the founder's membership counts")
            _ = try await store.chambers.compactDirectoryChanges()
            #expect(try await scoped.directory.revision() == revision, "folded, the same")
            // Another chamber's unfolded change is its own: counted there, not here.
            try await store.scoped(to: other.id).members.insert(
                Membership(chamberID: other.id, userID: try await StoreSuiteTests.user("neighbour", in: store).id, role: .member, joinedAt: now))
            let otherRevision = try await store.scoped(to: other.id).directory.revision()
            #expect(otherRevision == (try await store.chambers.findWithDirectoryRevision(id: other.id))?.directoryRevision)

            func expectMoved(_ what: Comment, by changes: Int64 = 1, _ change: () async throws -> Void) async throws {
                try await change()
                let next = try await scoped.directory.revision()
                #expect(next == revision + changes, what)
                let withChamber = try await store.chambers.findWithDirectoryRevision(id: chamber.id)
                let bySlug = try await store.chambers.findWithDirectoryRevision(slug: chamber.slug)
                #expect(withChamber?.chamber == chamber && withChamber?.directoryRevision == next, "read with the chamber, the same")
                #expect(bySlug?.chamber == chamber && bySlug?.directoryRevision == next, "read by slug, the same")
                revision = next
            }
            try await expectMoved("a member joins") {
                try await scoped.members.insert(Membership(chamberID: chamber.id, userID: owner.id, role: .member, joinedAt: now))
            }
            var business = Business(id: .generate(), chamberID: chamber.id, ownerUserID: owner.id, legalName: "Kwik-E-Mart", createdAt: now)
            try await expectMoved("a business is listed") { try await scoped.businesses.insert(business) }
            try await expectMoved("a business is edited") {
                business.description = "Open all night"
                _ = try await scoped.businesses.update(business)
            }
            try await expectMoved("a standing changes, by any writer") {
                try await db.query(
                    "UPDATE memberships SET standing_status = 'lapsed' WHERE chamber_id = ? AND user_id = ?", [.id(chamber.id), .id(owner.id)])
            }
            try await expectMoved("the same standing written again is no change", by: 0) {
                try await db.query(
                    "UPDATE memberships SET standing_status = 'lapsed' WHERE chamber_id = ? AND user_id = ?", [.id(chamber.id), .id(owner.id)])
            }
            try await expectMoved("a last-seen time is no change", by: 0) { try await scoped.engagement.recordSeen([owner.id: now]) }
            try await expectMoved("a role is no change", by: 0) { try await scoped.members.changeRole(userID: owner.id, to: .board) }
            try await expectMoved("compaction is no change", by: 0) {
                // Two nodes at once fold each change once. (Other tests' nodes may fold some too: the database is shared.)
                async let first = store.chambers.compactDirectoryChanges()
                async let second = store.chambers.compactDirectoryChanges()
                _ = try await (first, second)
            }
            try await expectMoved("a business is removed") { _ = try await scoped.businesses.delete(id: business.id, at: Date()) }
            try await expectMoved("a member leaves") { _ = try await scoped.members.remove(userID: owner.id) }
            #expect(try await store.scoped(to: other.id).directory.revision() == otherRevision, "another chamber's revision stays")
        }
    }

    @Test("search texts from before an upgrade are written again, folded, with the website's host; then left alone", arguments: TestBackend.enabled)
    func reindex(_ backend: TestBackend) async throws {
        // A database of its own: other tests' nodes run the same job every few seconds and would write the rows
        // again between the reset below and the check that they are stale.
        try await backend.withDatabase(isolated: true) { (db) async throws -> Void in
            let store = SQLStore(database: db, fields: .testing)
            let founder = try await StoreSuiteTests.user("Zoë Núñez", in: store)
            let chamber = try await StoreSuiteTests.chamber(founder, in: store)
            let scoped = store.scoped(to: chamber.id)
            let business = Business(
                id: .generate(), chamberID: chamber.id, ownerUserID: nil, legalName: "Café José", website: "https://www.cafejose.example",
                createdAt: StoreSuiteTests.now)
            try await scoped.businesses.insert(business)
            func found(_ text: String) async throws -> [BusinessID] {
                let query = try DirectoryQuery(text: text, category: nil, sort: nil, page: PageRequest())
                return try await scoped.directory.search(query, in: .namesAndFields(.public), listedStatuses: MembershipStatus.allCases).items.map(
                    \.id)
            }
            func people(_ text: String) async throws -> [UserID] {
                let query = try DirectoryQuery(text: text, category: nil, sort: nil, page: PageRequest())
                return try await scoped.directory.people(query, listedStatuses: MembershipStatus.allCases).items.map(\.userID)
            }
            #expect(try await found("cafe jose") == [business.id], "written folded")
            #expect(try await found("cafejose") == [business.id], "with the website's host")
            #expect(try await people("zoe nunez") == [founder.id])

            // As migrations 17 and 22 left rows from before: names lowercased by SQL, no host, version 0.
            try await db.query(
                "UPDATE businesses SET search_names = lower(legal_name), search_public = '', search_version = 0 WHERE id = ?", [.id(business.id)])
            try await db.query("UPDATE users SET search_name = lower(display_name), search_version = 0 WHERE id = ?", [.id(founder.id)])
            #expect(try await found("cafejose").isEmpty)
            #expect(try await people("nunez").isEmpty)

            var rounds = 0
            while try await store.chambers.reindexSearchTexts(limit: 1) > 0 { rounds += 1 }
            #expect(rounds < 10_000)
            #expect(try await found("cafe jose") == [business.id])
            #expect(try await found("cafejose") == [business.id])
            #expect(try await people("zoe nunez") == [founder.id])
            #expect(try await scoped.businesses.find(id: business.id)?.revision == business.revision, "not an edit: the revision stays")
        }
    }
}
