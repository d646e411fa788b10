/// One versioned step of the schema. Statements run in order, in one transaction: first those for both dialects,
/// then the running dialect's own (full-text search is where the two differ).
struct Migration: Sendable {
    let version: Int
    let name: String
    let statements: [String]
    var sqlite: [String] = []
    var postgres: [String] = []

    func statements(for dialect: SQLDialect) -> [String] {
        statements + (dialect == .postgres ? postgres : sqlite)
    }
}
