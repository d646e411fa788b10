import ChamberDomain
import ChamberTestSupport
import Foundation
import Testing

@testable import ChamberStorage

@Suite("Store: members' data exports")
struct DataExportStoreTests {
    @Test(
        "one pending export per member however many ask; each claimed by one node at a time; ready ones expire once", arguments: TestBackend.enabled)
    func lifecycle(_ backend: TestBackend) async throws {
        // A database of its own: the queue is read across chambers, and other tests' nodes would claim these rows.
        try await backend.withDatabase(isolated: true) { (db) async throws -> Void in
            let store = SQLStore(database: db, fields: .testing)
            let (ada, bob, a, b) = try await StoreSuiteTests.twoChambers(in: store)
            let now = StoreSuiteTests.now
            func draft(_ user: User, in chamber: Chamber, at: Date = now) -> DataExport {
                DataExport(id: .generate(), chamberID: chamber.id, userID: user.id, requestedBy: user.id, requestedAt: at)
            }
            async let first = store.scoped(to: a.id).dataExports.insertPending(draft(ada, in: a))
            async let second = store.scoped(to: a.id).dataExports.insertPending(draft(ada, in: a))
            let (one, two) = try await (first, second)
            #expect(one.id == two.id, "the second request answers the first's export")
            let bobs = try await store.scoped(to: b.id).dataExports.insertPending(draft(bob, in: b))
            #expect(try await store.scoped(to: b.id).dataExports.find(id: one.id) == nil, "another chamber's export is not found")

            async let claimA = store.exportQueue.claim(now: now, lease: 60)
            async let claimB = store.exportQueue.claim(now: now, lease: 60)
            let claimed = try await [claimA, claimB].compactMap { $0 }
            #expect(Set(claimed.map(\.id)) == [one.id, bobs.id], "two nodes take one export each: \(claimed.map(\.id))")
            #expect(try await store.exportQueue.claim(now: now.addingTimeInterval(30), lease: 60) == nil, "none while their leases hold")
            let retaken = try await store.exportQueue.claim(now: now.addingTimeInterval(61), lease: 60)
            #expect(retaken != nil, "a lease that ran out (a node that died) is taken again")

            #expect(try await store.exportQueue.finish(one.id, size: 10, at: now, expiresAt: now.addingTimeInterval(100)))
            #expect(try await !store.exportQueue.finish(one.id, size: 10, at: now, expiresAt: now.addingTimeInterval(100)), "finished once")
            try await store.exportQueue.fail(bobs.id, reason: "disk full", at: now)
            let ready = try await store.scoped(to: a.id).dataExports.find(id: one.id)
            #expect(ready?.status == .ready && ready?.size == 10 && ready?.expiresAt == now.addingTimeInterval(100))
            #expect(try await store.scoped(to: b.id).dataExports.find(id: bobs.id)?.status == .failed)

            #expect(try await store.exportQueue.dueToExpire(now: now.addingTimeInterval(99), limit: 10).isEmpty)
            #expect(try await store.exportQueue.dueToExpire(now: now.addingTimeInterval(100), limit: 10).map(\.id) == [one.id])
            try await store.exportQueue.expire(one.id)
            #expect(try await store.exportQueue.dueToExpire(now: now.addingTimeInterval(100), limit: 10).isEmpty)
            let next = try await store.scoped(to: a.id).dataExports.insertPending(draft(ada, in: a, at: now.addingTimeInterval(200)))
            #expect(next.id != one.id, "once none is pending, a new request makes a new export")
            #expect(try await store.scoped(to: a.id).dataExports.list(of: ada.id).map(\.status) == [.pending, .expired])
        }
    }
}
