/// One versioned step of the schema. Statements run in order, in one transaction, in either dialect.
struct Migration: Sendable {
    let version: Int
    let name: String
    let statements: [String]
}
