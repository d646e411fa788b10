import Foundation

/// What an import did, or would do: counts, and every problem found. Nothing is written while there is one.
public struct ImportReport: Sendable, Equatable {
    public let dryRun: Bool
    /// Whether the members were stored (all of them, in one transaction); never with problems or on a dry run.
    public let written: Bool
    public let rows: Int
    /// Accounts created for people the server did not know: they sign in by resetting their password.
    public let newAccounts: Int
    public let memberships: Int
    public let businesses: Int
    public let standings: Int
    public let problems: [ImportProblem]
}

/// Everything one import writes, in one transaction.
public struct MemberImportPlan: Sendable {
    /// One row's writes: the account, the membership and the business it owns.
    public struct Entry: Sendable {
        /// The person's new account: people who have one already are invited, never imported.
        public let user: User
        public let membership: Membership
        public let business: Business?
    }

    public let entries: [Entry]
}

/// Writes a checked import whole or not at all.
public protocol MemberImportStore: Sendable {
    /// In one transaction: the new accounts (with no usable password), the memberships and the businesses.
    /// Someone who registered or joined since the rows were checked makes the whole import fail: nothing is written.
    /// Throws (and writes nothing) when any of them collides: `email_taken`, `already_member`.
    func apply(_ plan: MemberImportPlan) async throws
}
