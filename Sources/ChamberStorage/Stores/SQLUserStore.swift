import ChamberDomain
import Foundation

struct SQLUserStore: UserStore {
    let db: any SQLExecutor

    static let columnNames = ["id", "email", "display_name", "is_platform_admin", "created_at"]
    static let columns = columnNames.joined(separator: ", ")

    static func user(_ row: SQLRow) throws -> User { try user(row, prefix: "") }

    static func user(_ row: SQLRow, prefix: String) throws -> User {
        User(
            id: try row.id(prefix + "id"), email: try row.string(prefix + "email"), displayName: try row.string(prefix + "display_name"),
            isPlatformAdmin: try row.bool(prefix + "is_platform_admin"), createdAt: try row.date(prefix + "created_at"))
    }

    func insert(_ user: User, passwordHash: String) async throws {
        do {
            try await db.query(
                """
                INSERT INTO users (id, email, display_name, password_hash, is_platform_admin, created_at, search_name, search_version)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .id(user.id), .text(user.email), .text(user.displayName), .text(passwordHash), .bool(user.isPlatformAdmin), .date(user.createdAt),
                    .text(SearchWords.text(user.displayName)), .int(Int64(SearchWords.version)),
                ])
        } catch StorageError.uniqueViolation {
            throw ChamberError(.emailTaken, "an account with this email exists already", field: "email")
        }
    }

    func find(id: UserID) async throws -> User? {
        try await db.query("SELECT \(Self.columns) FROM users WHERE id = ?", [.id(id)]).first.map(Self.user)
    }

    func find(ids: [UserID]) async throws -> [UserID: User] {
        var users: [UserID: User] = [:]
        for chunk in Array(Set(ids)).chunked(500) {
            for row in try await db.query("SELECT \(Self.columns) FROM users WHERE id IN (\(placeholders(chunk.count)))", chunk.map { .id($0) }) {
                let user = try Self.user(row)
                users[user.id] = user
            }
        }
        return users
    }

    func find(email: String) async throws -> User? {
        try await db.query("SELECT \(Self.columns) FROM users WHERE email = ?", [.text(email)]).first.map(Self.user)
    }

    func credentials(email: String) async throws -> (user: User, passwordHash: String)? {
        guard let row = try await db.query("SELECT \(Self.columns), password_hash FROM users WHERE email = ?", [.text(email)]).first else {
            return nil
        }
        return (try Self.user(row), try row.string("password_hash"))
    }

    func passwordHash(id: UserID) async throws -> String? {
        try await db.query("SELECT password_hash FROM users WHERE id = ?", [.id(id)]).first.map { try $0.string("password_hash") }
    }

    func updatePasswordHash(id: UserID, hash: String) async throws {
        try await db.query("UPDATE users SET password_hash = ? WHERE id = ?", [.text(hash), .id(id)])
    }

    func setPlatformAdmin(id: UserID, _ isAdmin: Bool) async throws {
        try await db.query("UPDATE users SET is_platform_admin = ? WHERE id = ?", [.bool(isAdmin), .id(id)])
    }
}
