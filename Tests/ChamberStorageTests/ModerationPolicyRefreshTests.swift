import ChamberDomain
import ChamberTestSupport
import Foundation
import Testing

@testable import ChamberStorage

/// A chamber's moderation policy is read again from the store now and then; what members sent must outlive that.
@Suite("Moderation policies refreshed from the store")
struct ModerationPolicyRefreshTests {
    @Test("a refresh keeps the flood gate's count of recent sends while the limit is unchanged", arguments: TestBackend.enabled)
    func floodOutlivesRefresh(_ backend: TestBackend) async throws {
        try await backend.withDatabase { (db) async throws -> Void in
            let store = SQLStore(database: db, fields: .testing)
            let founder = try await StoreSuiteTests.user("founder", in: store)
            let chamber = try await StoreSuiteTests.chamber(founder, in: store)
            var own = ModerationSettings()
            own.flood = .init(messages: 2, windowSeconds: 3600)
            try await store.scoped(to: chamber.id).moderation.saveSettings(own, by: founder.id, at: StoreSuiteTests.now)
            let policies = try ModerationPolicies(defaults: ModerationSettings(), words: [], store: store, refreshInterval: 5)
            let start = StoreSuiteTests.now
            let channel = ChannelID.generate()
            let first = try #require(try await policies.policy(for: chamber.id, now: start).flood)
            #expect(first.admit(founder.id, in: channel, at: start) == nil)
            #expect(first.admit(founder.id, in: channel, at: start.addingTimeInterval(1)) == nil)
            // Read again a minute later: the same limit, so the same two sends still count.
            let later = try #require(try await policies.policy(for: chamber.id, now: start.addingTimeInterval(60)).flood)
            #expect(later.admit(founder.id, in: channel, at: start.addingTimeInterval(61)) != nil, "the third send in the hour is refused")
            // A changed limit is a new gate.
            own.flood = .init(messages: 5, windowSeconds: 3600)
            try await store.scoped(to: chamber.id).moderation.saveSettings(own, by: founder.id, at: StoreSuiteTests.now)
            let changed = try #require(try await policies.policy(for: chamber.id, now: start.addingTimeInterval(120)).flood)
            #expect(changed.limit == 5 && changed.admit(founder.id, in: channel, at: start.addingTimeInterval(121)) == nil)
        }
    }
}
