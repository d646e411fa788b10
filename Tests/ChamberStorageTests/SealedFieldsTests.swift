import ChamberDomain
import ChamberTestSupport
import Foundation
import Testing

@testable import ChamberStorage

@Suite("Sealed fields: AES-256-GCM with key rotation")
struct SealedFieldTests {
    static let oldKey = AESGCMSecretCipher.Key(id: "k2025", bytes: Array(repeating: 7, count: 32))
    static let newKey = AESGCMSecretCipher.Key(id: "k2026", bytes: Array(repeating: 9, count: 32))

    @Test("a sealed value opens with its context only, and never shows its plaintext")
    func roundTrip() throws {
        let cipher = AESGCMSecretCipher(keys: [Self.newKey])
        let secret = Array("the quick brown fox".utf8)
        let sealed = try cipher.seal(secret, context: "totp-secret:ada")
        #expect(sealed.hasPrefix("v1.k2026."))
        #expect(!sealed.contains("quick"))
        #expect(try cipher.seal(secret, context: "totp-secret:ada") != sealed, "a fresh nonce each time")
        #expect(try cipher.open(sealed, context: "totp-secret:ada") == secret)
        #expect(throws: ChamberError.self) { try cipher.open(sealed, context: "totp-secret:bob") }
        var tampered = Array(sealed)
        tampered[tampered.count - 3] = tampered[tampered.count - 3] == "A" ? "B" : "A"
        #expect(throws: ChamberError.self) { try cipher.open(String(tampered), context: "totp-secret:ada") }
    }

    @Test("after a rotation the new key seals and the old one still opens what it sealed; a removed key opens nothing")
    func rotation() throws {
        let before = try AESGCMSecretCipher(keys: [Self.oldKey]).seal([1, 2, 3], context: "c")
        let rotated = AESGCMSecretCipher(keys: [Self.newKey, Self.oldKey])
        #expect(try rotated.open(before, context: "c") == [1, 2, 3])
        #expect(try rotated.seal([1, 2, 3], context: "c").hasPrefix("v1.k2026."))
        #expect(throws: ChamberError.self) { try AESGCMSecretCipher(keys: [Self.newKey]).open(before, context: "c") }
        // The key id is authenticated: relabelling a value for another key does not open it.
        let relabelled = before.replacingOccurrences(of: "v1.k2025.", with: "v1.k2026.")
        #expect(throws: ChamberError.self) { try rotated.open(relabelled, context: "c") }
    }
}

/// Tax ids at rest: sealed in every column that holds one, opened for the domain, found by keyed tokens, and sealed
/// again under a new key by the upkeep. Each test has a database of its own: the upkeep rewrites every chamber's rows.
@Suite("Store: sealed tax ids and key rotation")
struct SealedTaxIDStoreTests {
    static let now = StoreSuiteTests.now
    static let keyA = AESGCMSecretCipher.Key(id: "keyA", bytes: Array(repeating: 1, count: 32))
    static let keyB = AESGCMSecretCipher.Key(id: "keyB", bytes: Array(repeating: 2, count: 32))

    /// Every text of every row of `table`, as stored.
    static func storedTexts(_ table: String, in db: any SQLDatabase) async throws -> [String] {
        try await db.query("SELECT * FROM \(table)").flatMap { row in
            row.values.values.compactMap { value -> String? in
                if case .text(let text) = value { return text }
                return nil
            }
        }
    }

    /// The value at `path` in a JSON object.
    static func at(_ value: JSONValue?, _ path: String...) -> JSONValue? {
        path.reduce(value) { value, key in
            guard case .object(let object)? = value else { return nil }
            return object[key]
        }
    }

    /// A submitted application giving `ein`.
    static func application(_ ein: String, by applicant: User, in chamber: Chamber, store: SQLStore) async throws -> MembershipApplication {
        var application = MembershipApplication(
            id: .generate(), chamberID: chamber.id, applicantID: applicant.id, status: .submitted, createdAt: now, updatedAt: now)
        application.steps.tax = TaxRegistration(ein: ein)
        application.submittedAt = now
        try await store.scoped(to: chamber.id).applications.insert(application)
        return application
    }

    @Test("no column holds a tax id in the clear; the domain reads it back; duplicates are found by token", arguments: TestBackend.enabled)
    func sealedAtRest(_ backend: TestBackend) async throws {
        try await backend.withDatabase(isolated: true) { (db) async throws -> Void in
            let store = SQLStore(database: db, fields: SealedFields(cipher: AESGCMSecretCipher(keys: [Self.keyA])))
            let founder = try await StoreSuiteTests.user("founder", in: store)
            let chamber = try await StoreSuiteTests.chamber(founder, in: store)
            let owner = try await StoreSuiteTests.user("owner", in: store)
            let scope = store.scoped(to: chamber.id)
            let business = Business(
                id: .generate(), chamberID: chamber.id, ownerUserID: owner.id, legalName: "Mia's Bakery LLC", taxID: "12-3456789", createdAt: Self.now
            )
            try await scope.businesses.insert(business)
            let first = try await Self.application("12-3456789", by: try await StoreSuiteTests.user("first", in: store), in: chamber, store: store)
            let second = try await Self.application("123456789", by: owner, in: chamber, store: store)

            for table in ["businesses", "membership_applications"] {
                let texts = try await Self.storedTexts(table, in: db)
                #expect(!texts.isEmpty && !texts.contains { $0.contains("3456789") }, "\(table) holds the tax id in the clear")
            }
            #expect(try await scope.businesses.find(id: business.id)?.taxID == "12-3456789")
            #expect(try await scope.applications.find(id: first.id)?.steps.tax?.ein == "12-3456789")
            #expect(try await store.applications.find(id: second.id)?.steps.tax?.ein == "123456789")

            // Written with or without the dash, one tax id: the second application finds the business and the first.
            let evidence = try await scope.applications.evidence(for: try #require(try await scope.applications.find(id: second.id)))
            #expect(evidence.taxIDHolders == ["business Mia's Bakery LLC", "application \(first.id)"])

            // The owner's export shows the tax ids as they gave them, and no token.
            let sections = try await scope.personalData.sections(of: owner.id, includingAccount: false)
            let businesses = try #require(sections.first { $0.name == "businesses" }?.rows.first)
            #expect(Self.at(businesses, "tax_id") == .string("12-3456789"))
            let applications = try #require(sections.first { $0.name == "applications" }?.rows.first)
            #expect(Self.at(applications, "steps", "tax", "ein") == .string("123456789") && Self.at(applications, "tax_id_token") == nil)
        }
    }

    @Test(
        "after a key change the upkeep seals every tax id and second factor again under the new key, and seals what was stored in the clear",
        arguments: TestBackend.enabled)
    func rotation(_ backend: TestBackend) async throws {
        try await backend.withDatabase(isolated: true) { (db) async throws -> Void in
            let before = SealedFields(cipher: AESGCMSecretCipher(keys: [Self.keyA]))
            let old = SQLStore(database: db, fields: before)
            let founder = try await StoreSuiteTests.user("founder", in: old)
            let chamber = try await StoreSuiteTests.chamber(founder, in: old)
            let business = Business(
                id: .generate(), chamberID: chamber.id, ownerUserID: founder.id, legalName: "Lincoln Hardware", taxID: "34-5678901",
                createdAt: Self.now)
            try await old.scoped(to: chamber.id).businesses.insert(business)
            let application = try await Self.application("34-5678901", by: try await StoreSuiteTests.user("a", in: old), in: chamber, store: old)
            let secret: [UInt8] = Array("totp seed of twenty!".utf8)
            #expect(
                try await old.twoFactor.startEnrolment(
                    userID: founder.id, sealedSecret: try before.cipher.seal(secret, context: SealingContext.twoFactorSecret(founder.id)),
                    at: Self.now))
            // A listing written before tax ids were sealed (migration 36 leaves its value in the clear).
            let legacy = Business(id: .generate(), chamberID: chamber.id, ownerUserID: nil, legalName: "Old Listing", createdAt: Self.now)
            try await old.scoped(to: chamber.id).businesses.insert(legacy)
            try await db.query("UPDATE businesses SET tax_id = ?, tax_id_token = NULL WHERE id = ?", [.text("98-7654321"), .id(legacy.id)])

            // An application submitted before then: its tax id in the clear in its steps (and, from a node older than
            // the migration, in a column of its own), and named by a check.
            let older = try await Self.application("36-1234567", by: try await StoreSuiteTests.user("o", in: old), in: chamber, store: old)
            try await db.query(
                "UPDATE membership_applications SET steps = ?, checks = ?, tax_id = '36-1234567', tax_id_token = NULL WHERE id = ?",
                [
                    .text(#"{"documents":[],"tax":{"ein":"36-1234567"}}"#),
                    .text(#"[{"detail":"36-1234567 has the EIN's form","name":"ein_format","result":"passed","weight":10}]"#), .id(older.id),
                ])

            let rotated = SealedFields(cipher: AESGCMSecretCipher(keys: [Self.keyB, Self.keyA]))
            let store = SQLStore(database: db, fields: rotated)
            // Before the upkeep, rows under the old key are found by their old tokens too.
            let probe = try await Self.application("345678901", by: try await StoreSuiteTests.user("b", in: store), in: chamber, store: store)
            let scope = store.scoped(to: chamber.id)
            #expect(try await scope.applications.evidence(for: probe).taxIDHolders == ["business Lincoln Hardware", "application \(application.id)"])

            let upkeep = SealedFieldsUpkeep(database: db, fields: rotated)
            // The probe was sealed by the new key already; the rest wait.
            #expect(try await upkeep.remaining() == .init(businessTaxIDs: 2, applicationTaxIDs: 2, twoFactorSecrets: 1))
            #expect(try await upkeep.run(batch: 1) == .init(businessTaxIDs: 2, applicationTaxIDs: 2, twoFactorSecrets: 1))
            #expect(try await upkeep.remaining().total == 0)
            #expect(try await upkeep.run().total == 0, "a second run has nothing to do")
            for table in ["businesses", "membership_applications", "two_factor_secrets"] {
                let texts = try await Self.storedTexts(table, in: db)
                #expect(
                    !texts.contains { $0.contains("v1.keyA.") || $0.contains("5678901") || $0.contains("7654321") || $0.contains("1234567") },
                    "\(table)")
            }

            // The old key can go: the new one alone opens everything, and finds it.
            let newOnly = SealedFields(cipher: AESGCMSecretCipher(keys: [Self.keyB]))
            let after = SQLStore(database: db, fields: newOnly).scoped(to: chamber.id)
            #expect(try await after.businesses.find(id: business.id)?.taxID == "34-5678901")
            #expect(try await after.businesses.find(id: legacy.id)?.taxID == "98-7654321")
            #expect(try await after.applications.find(id: application.id)?.steps.tax?.ein == "34-5678901")
            let olderRead = try await after.applications.find(id: older.id)
            #expect(olderRead?.steps.tax?.ein == "36-1234567" && olderRead?.checks.first?.detail == "the tax id has the EIN's form")
            #expect(try await after.applications.evidence(for: probe).taxIDHolders == ["business Lincoln Hardware", "application \(application.id)"])
            let sealed = try #require(try await old.twoFactor.find(userID: founder.id)?.sealedSecret)
            #expect(try newOnly.cipher.open(sealed, context: SealingContext.twoFactorSecret(founder.id)) == secret)
            let legacyProbe = try await Self.application("987654321", by: try await StoreSuiteTests.user("c", in: store), in: chamber, store: store)
            #expect(try await after.applications.evidence(for: legacyProbe).taxIDHolders == ["business Old Listing"])

            // Values no configured key opens are counted and left as they are.
            let refused = try await SealedFieldsUpkeep(database: db, fields: before).run()
            #expect(refused == .init(unopenable: 7), "\(refused)")
            // A key under the sealing key's id that is not the key that sealed (a lost token secret, a key replaced
            // in place): every value is counted, none taken as sealed already.
            let impostor = SealedFields(cipher: AESGCMSecretCipher(keys: [.init(id: "keyB", bytes: Array(repeating: 3, count: 32))]))
            #expect(try await SealedFieldsUpkeep(database: db, fields: impostor).remaining() == .init(unopenable: 7))
            #expect(try await SealedFieldsUpkeep(database: db, fields: newOnly).remaining() == .init())
            #expect(try await after.businesses.find(id: business.id)?.taxID == "34-5678901")
        }
    }
}
