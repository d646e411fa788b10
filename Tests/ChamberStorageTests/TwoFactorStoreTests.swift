import ChamberDomain
import ChamberTestSupport
import Foundation
import Testing

@testable import ChamberStorage

/// Each use of a second factor is one conditional write: these hold that two callers (two nodes) cannot both win.
/// Each test has a database of its own: its secrets are not sealed, and the upkeep of servers sharing the tests'
/// database would count them as values no key opens.
@Suite("Store: second factors")
struct TwoFactorStoreTests {
    static let now = StoreSuiteTests.now

    @Test("an enrolment is confirmed once, for the secret it showed; a step is used once and only moving forward", arguments: TestBackend.enabled)
    func enrolmentAndSteps(_ backend: TestBackend) async throws {
        try await backend.withDatabase(isolated: true) { (db) async throws -> Void in
            let store = SQLStore(database: db, fields: .testing)
            let ada = try await StoreSuiteTests.user("ada", in: store)
            let twoFactor = store.twoFactor
            #expect(try await twoFactor.startEnrolment(userID: ada.id, sealedSecret: "first", at: Self.now))
            #expect(try await twoFactor.startEnrolment(userID: ada.id, sealedSecret: "second", at: Self.now), "an unconfirmed one is replaced")
            #expect(!(try await twoFactor.confirm(userID: ada.id, sealedSecret: "first", step: 10, recoveryCodeHashes: ["a"], at: Self.now)))
            #expect(try await twoFactor.confirm(userID: ada.id, sealedSecret: "second", step: 10, recoveryCodeHashes: ["a", "b"], at: Self.now))
            #expect(!(try await twoFactor.startEnrolment(userID: ada.id, sealedSecret: "third", at: Self.now)), "a confirmed one stays")
            #expect(try await twoFactor.find(userID: ada.id)?.sealedSecret == "second")

            #expect(!(try await twoFactor.use(userID: ada.id, step: 10)), "the confirming step")
            #expect(!(try await twoFactor.use(userID: ada.id, step: 9)))
            let racing = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<8 { group.addTask { (try? await twoFactor.use(userID: ada.id, step: 11)) ?? false } }
                return await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(racing == 1, "eight callers with one code: one wins")

            let spends = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<8 { group.addTask { (try? await twoFactor.spendRecoveryCode(userID: ada.id, hash: "a", at: Self.now)) ?? false } }
                return await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(spends == 1)
            #expect(try await twoFactor.recoveryCodesLeft(userID: ada.id) == 1)
        }
    }

    @Test("attempts are counted before checking: at most the limit in a window, however many callers at once", arguments: TestBackend.enabled)
    func attempts(_ backend: TestBackend) async throws {
        try await backend.withDatabase(isolated: true) { (db) async throws -> Void in
            let store = SQLStore(database: db, fields: .testing)
            let ada = try await StoreSuiteTests.user("ada", in: store)
            let twoFactor = store.twoFactor
            _ = try await twoFactor.startEnrolment(userID: ada.id, sealedSecret: "s", at: Self.now)
            let counted = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<10 {
                    group.addTask { (try? await twoFactor.reserveAttempt(userID: ada.id, at: Self.now, window: 900, limit: 3)) == .some(nil) }
                }
                return await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(counted == 3)
            let later = Self.now.addingTimeInterval(600)
            #expect(try await twoFactor.reserveAttempt(userID: ada.id, at: later, window: 900, limit: 3) == Self.now.addingTimeInterval(900))
            #expect(
                try await twoFactor.reserveAttempt(userID: ada.id, at: Self.now.addingTimeInterval(901), window: 900, limit: 3) == nil, "a new window"
            )
            try await twoFactor.clearAttempts(userID: ada.id)
            for _ in 0..<3 { #expect(try await twoFactor.reserveAttempt(userID: ada.id, at: later, window: 900, limit: 3) == nil) }
        }
    }

    @Test("turning it off takes the proof back from the account's sessions, and nobody else's", arguments: TestBackend.enabled)
    func disable(_ backend: TestBackend) async throws {
        try await backend.withDatabase(isolated: true) { (db) async throws -> Void in
            let store = SQLStore(database: db, fields: .testing)
            let (ada, bob, _, _) = try await StoreSuiteTests.twoChambers(in: store)
            var sessions: [SessionID] = []
            for user in [ada, bob] {
                let session = AuthSession(
                    id: .generate(), userID: user.id, createdAt: Self.now, lastUsedAt: Self.now, expiresAt: Self.now.addingTimeInterval(3600),
                    userAgent: nil, ipAddress: nil, secondFactorAt: Self.now)
                try await store.sessions.create(session, refreshTokenHash: unique("refresh"))
                sessions.append(session.id)
            }
            _ = try await store.twoFactor.startEnrolment(userID: ada.id, sealedSecret: "s", at: Self.now)
            try await store.twoFactor.disable(userID: ada.id)
            #expect(try await store.twoFactor.find(userID: ada.id) == nil)
            #expect(try await store.sessions.find(id: sessions[0])?.secondFactorAt == nil)
            #expect(try await store.sessions.find(id: sessions[1])?.secondFactorAt != nil)
        }
    }
}
