import ChamberDomain
import ChamberStorage
import ChamberTestSupport
import Foundation
import Logging
import Testing

/// Rotating the key that seals tax ids and second factors, as README "Sealed fields" tells an operator to: the new key
/// goes first, `chamberconnect reseal`, then the old key leaves the configuration.
@Suite("Key rotation by chamberconnect reseal", .serialized)
struct ResealProcessTests {
    static let keyA = AESGCMSecretCipher.Key(id: "keyA", bytes: Array(repeating: 1, count: 32))
    static let keyB = AESGCMSecretCipher.Key(id: "keyB", bytes: Array(repeating: 2, count: 32))

    /// The setting that configures `keys`, as an operator writes it.
    static func setting(_ keys: [(id: String, byte: UInt8)]) -> [String: String] {
        let written = keys.map { "\($0.id):\(Data(repeating: $0.byte, count: 32).base64EncodedString())" }.joined(separator: ",")
        return ["CHAMBER_SECURITY_ENCRYPTION_KEYS": written, "CHAMBER_AUTH_JWT_SECRET": testJWTSecret, "CHAMBER_AUTH_BCRYPT_COST": "4"]
    }

    @Test("the demo's tax ids, sealed by the old key, are sealed again by the new one; too early a removal is refused; none is lost")
    func rotation() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chamber-reseal-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = "sqlite://\(folder.path)/db.sqlite"
        let demo = try await BackupProcessTests.run(["demo", "--database-url", url], environment: Self.setting([("keyA", 1)]))
        #expect(demo.status == 0, "\(demo.output)")

        let rotated = try await BackupProcessTests.run(["reseal", "--database-url", url], environment: Self.setting([("keyB", 2), ("keyA", 1)]))
        #expect(rotated.status == 0, "\(rotated.output)")
        #expect(rotated.output.contains("sealed again with key 'keyB': 6 business tax ids"), "\(rotated.output)")
        #expect(rotated.output.contains("nothing is left sealed under another key"), "\(rotated.output)")

        // Going back to the old key alone would leave every value unopened: refused, and nothing changes.
        let early = try await BackupProcessTests.run(["reseal", "--database-url", url], environment: Self.setting([("keyA", 1)]))
        #expect(early.status != 0 && early.output.contains("open with no configured key"), "\(early.output)")

        // Nothing to do with the new key alone: the refused run changed nothing.
        let final = try await BackupProcessTests.run(["reseal", "--database-url", url], environment: Self.setting([("keyB", 2)]))
        #expect(final.status == 0 && final.output.contains("'keyB': 0 business tax ids"), "\(final.output)")

        // The new key alone opens every tax id the demo wrote, and the database holds none in the clear.
        var logger = Logger(label: "test.reseal")
        logger.logLevel = .warning
        let database = try await StoreFactory.open(try DatabaseLocation(url: url), maxConnections: 1, logger: logger)
        let taxIDs = try await database.whileRunning {
            let store = SQLStore(database: database, fields: SealedFields(cipher: AESGCMSecretCipher(keys: [Self.keyB])))
            var taxIDs: [String] = []
            for row in try await database.query("SELECT id, chamber_id, tax_id FROM businesses WHERE tax_id IS NOT NULL ORDER BY id") {
                #expect(try row.string("tax_id").hasPrefix("v1.keyB."))
                let business = try await store.scoped(to: try row.id("chamber_id")).businesses.find(id: try row.id("id"))
                taxIDs.append(try #require(business?.taxID))
            }
            return taxIDs
        }
        #expect(Set(taxIDs) == ["12-3456789", "23-4567890", "34-5678901", "45-6789012", "56-7890123", "67-8901234"])
    }
}
