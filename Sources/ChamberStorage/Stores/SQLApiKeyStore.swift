import ChamberDomain
import Foundation

struct SQLApiKeyStore: ApiKeyStore {
    let db: any SQLDatabase

    static let columns = "id, chamber_id, name, prefix, scopes, allowed_addresses, expires_at, created_by, created_at, last_used_at, revoked_at"

    static func key(_ row: SQLRow) throws -> ApiKey {
        ApiKey(
            id: try row.id("id"), chamberID: try row.id("chamber_id"), name: try row.string("name"), prefix: try row.string("prefix"),
            scopes: try row.json("scopes", as: [String].self).compactMap(ApiKeyScope.init(rawValue:)),
            // A range that no longer reads must not widen the key to every address.
            allowedAddresses: try row.json("allowed_addresses", as: [String].self).map { text in
                guard let range = AddressRange(text) else { throw StorageError.typeMismatch("allowed_addresses", "CIDR block") }
                return range
            },
            expiresAt: try row.optionalDate("expires_at"), createdBy: try row.id("created_by"), createdAt: try row.date("created_at"),
            lastUsedAt: try row.optionalDate("last_used_at"), revokedAt: try row.optionalDate("revoked_at"))
    }

    func insert(_ key: ApiKey, secretHash: String) async throws {
        try await db.query(
            "INSERT INTO api_keys (\(Self.columns), secret_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                .id(key.id), .id(key.chamberID), .text(key.name), .text(key.prefix), try .json(key.scopes.map(\.rawValue)),
                try .json(key.allowedAddresses.map(\.description)), .date(key.expiresAt), .id(key.createdBy), .date(key.createdAt),
                .date(key.lastUsedAt), .date(key.revokedAt), .text(secretHash),
            ])
    }

    func find(secretHash: String) async throws -> ApiKey? {
        try await db.query("SELECT \(Self.columns) FROM api_keys WHERE secret_hash = ?", [.text(secretHash)]).first.map(Self.key)
    }

    func list(chamberID: ChamberID) async throws -> [ApiKey] {
        try await db.query(
            "SELECT \(Self.columns) FROM api_keys WHERE chamber_id = ? ORDER BY created_at DESC, id LIMIT 500", [.id(chamberID)]
        ).map(Self.key)
    }

    func revoke(id: ApiKeyID, chamberID: ChamberID, at: Date) async throws -> Bool {
        try await !db.query(
            "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND chamber_id = ? AND revoked_at IS NULL RETURNING id",
            [.date(at), .id(id), .id(chamberID)]
        ).isEmpty
    }

    func touch(id: ApiKeyID, at: Date) async throws {
        try await db.query("UPDATE api_keys SET last_used_at = ? WHERE id = ?", [.date(at), .id(id)])
    }
}
