import ChamberDomain
import ChamberTestSupport
import Foundation
import Testing

@testable import ChamberStorage

/// What the application store promises: a write based on an old reading is refused, one open application per
/// applicant and chamber, and an approval all or nothing.
@Suite("Membership applications in the store")
struct ApplicationStoreTests {
    @Test(
        "a write based on an old reading is refused; one open application per applicant; an approval all or nothing", arguments: TestBackend.enabled)
    func revisions(_ backend: TestBackend) async throws {
        try await backend.withDatabase { (db) async throws -> Void in
            let store = SQLStore(database: db, fields: .testing)
            let founder = try await StoreSuiteTests.user("founder", in: store)
            let chamber = try await StoreSuiteTests.chamber(founder, in: store)
            let applicant = try await StoreSuiteTests.user("applicant", in: store)
            let applications = store.scoped(to: chamber.id).applications
            let now = StoreSuiteTests.now
            let read = MembershipApplication(id: .generate(), chamberID: chamber.id, applicantID: applicant.id, createdAt: now, updatedAt: now)
            try await applications.insert(read)
            let second = MembershipApplication(id: .generate(), chamberID: chamber.id, applicantID: applicant.id, createdAt: now, updatedAt: now)
            await #expect(throws: ChamberError.self) { try await applications.insert(second) }

            // Two writers read revision 0: the first write wins, the second is refused and changes nothing.
            var first = read
            first.steps.tax = TaxRegistration(ein: "12-3456789")
            #expect(try await applications.update(first))
            var stale = read
            stale.steps.business = BusinessIdentity(legalName: "Stale", structure: .llc, yearFounded: 2000, size: .one)
            #expect(try await applications.update(stale) == false)
            let stored = try #require(try await applications.find(id: read.id))
            #expect(stored.revision == 1 && stored.steps.tax?.ein == "12-3456789" && stored.steps.business == nil)

            // An approval from a stale reading writes nothing: no membership, no listing.
            let business = Business(id: .generate(), chamberID: chamber.id, ownerUserID: applicant.id, legalName: "Listed", createdAt: now)
            let membership = Membership(chamberID: chamber.id, userID: applicant.id, role: .member, joinedAt: now)
            var approved = stale
            approved.status = .approved
            #expect(try await applications.approve(approved, membership: membership, business: business) == false)
            #expect(try await store.scoped(to: chamber.id).members.find(userID: applicant.id) == nil)
            #expect(try await store.scoped(to: chamber.id).businesses.find(id: business.id) == nil)
            // From the current reading it writes all three; the applicant may then apply again elsewhere, not here.
            approved = stored
            approved.status = .approved
            #expect(try await applications.approve(approved, membership: membership, business: business))
            #expect(try await store.scoped(to: chamber.id).members.find(userID: applicant.id) != nil)
            #expect(try await store.scoped(to: chamber.id).businesses.find(id: business.id)?.legalName == "Listed")
            #expect(try await applications.find(id: read.id)?.status == .approved)
        }
    }
}
