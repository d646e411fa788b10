import ChamberDomain
import ChamberTestSupport
import Foundation
import Logging
import Testing

@testable import ChamberStorage

/// Migration 41: a member who left notification mail by its one-click link before invoices and membership mail
/// heeded their levels keeps that mail; a member who chose those levels one by one keeps their choice.
@Suite("Migration 41: unsubscribed members keep their invoice and membership mail")
struct UnsubscribedMailMigrationTests {
    @Test("every category off (an unsubscription): billing and membership go back to the default; other choices stand")
    func migrates() async throws {
        for backend in TestBackend.enabled {
            try await backend.withDatabase(isolated: true) { db in
                let store = SQLStore(database: db, fields: .testing)
                let (ada, bob) = (try await StoreSuiteTests.user("ada", in: store), try await StoreSuiteTests.user("bob", in: store))
                let chamber = try await StoreSuiteTests.chamber(ada, in: store)
                let off: [DeliveryChannel: NotificationLevel?] = [.email: NotificationLevel.none]
                let settings = store.scoped(to: chamber.id).notificationSettings
                // Ada left by the link as it was: every category off.
                _ = try await settings.updateMemberChoices(
                    of: ada.id,
                    applying: NotificationChoicesPatch(levels: Dictionary(uniqueKeysWithValues: NotificationCategory.allCases.map { ($0, off) })),
                    at: Date())
                // Bob chose no billing mail, and no push of mentions.
                _ = try await settings.updateMemberChoices(
                    of: bob.id, applying: NotificationChoicesPatch(levels: [.billing: off, .mentions: [.push: NotificationLevel.none]]), at: Date())
                try await db.query("DELETE FROM schema_migrations WHERE version = 41")
                #expect(try await Migrator(database: db, logger: Logger(label: "test")).migrate() == [41])
                let ada41 = try await settings.memberChoices(of: ada.id)
                #expect(ada41.levels[.billing]?[.email] == nil && ada41.levels[.membership]?[.email] == nil, "\(ada41)")
                #expect(ada41.levels[.directMessages]?[.email] == NotificationLevel.none, "the rest of the unsubscription stands")
                let bob41 = try await settings.memberChoices(of: bob.id)
                #expect(bob41.levels[.billing]?[.email] == NotificationLevel.none && bob41.levels[.mentions]?[.push] == NotificationLevel.none)
            }
        }
    }
}
