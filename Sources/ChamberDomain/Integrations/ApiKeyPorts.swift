import Foundation

/// The stored keys: looked up by the hash of a presented secret, listed and revoked within their chamber.
public protocol ApiKeyStore: Sendable {
    func insert(_ key: ApiKey, secretHash: String) async throws
    /// The key whose secret hashes to `secretHash`, live or not.
    func find(secretHash: String) async throws -> ApiKey?
    /// The chamber's keys, newest first.
    func list(chamberID: ChamberID) async throws -> [ApiKey]
    /// Revokes a live key of the chamber; false when there is none.
    func revoke(id: ApiKeyID, chamberID: ChamberID, at: Date) async throws -> Bool
    /// Records a use.
    func touch(id: ApiKeyID, at: Date) async throws
}
