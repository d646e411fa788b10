import Foundation

/// A chamber's membership tiers.
public protocol MembershipTierStore: Sendable {
    /// By dues, cheapest first; retired tiers only when asked.
    func list(includingRetired: Bool) async throws -> [MembershipTier]
    func find(id: TierID) async throws -> MembershipTier?
    /// Throws `conflict` when the chamber has a tier of that name.
    func insert(_ tier: MembershipTier) async throws
    func update(_ tier: MembershipTier) async throws
}

/// A chamber's membership applications.
public protocol MembershipApplicationStore: Sendable {
    /// Throws `application_state_conflict` when the applicant has an open application (draft, submitted, waiting on
    /// information) in the chamber already.
    func insert(_ application: MembershipApplication) async throws
    func find(id: ApplicationID) async throws -> MembershipApplication?
    /// Submitted ones (drafts never) in `status`, oldest submission first.
    func list(status: ApplicationStatus, page: PageRequest) async throws -> Page<MembershipApplication>
    /// Writes `application` if its stored revision is still `application.revision`, raising it; false when someone
    /// wrote it since it was read.
    func update(_ application: MembershipApplication) async throws -> Bool
    /// Who else in the chamber (businesses, and applications neither rejected nor withdrawn) uses the application's
    /// tax id, business name or e-mail address.
    func evidence(for application: MembershipApplication) async throws -> ApplicationEvidence
    /// In one transaction: the application approved (as ``update(_:)`` writes it), the applicant's membership and the
    /// business listing. False when someone wrote the application since it was read; `already_member` when the
    /// applicant joined meanwhile.
    func approve(_ application: MembershipApplication, membership: Membership, business: Business) async throws -> Bool
}

/// Applications as their applicants reach them, across chambers.
public protocol ApplicantApplicationStore: Sendable {
    func find(id: ApplicationID) async throws -> MembershipApplication?
    /// The applicant's applications, newest first.
    func list(applicant: UserID) async throws -> [MembershipApplication]
}

/// Standings of a chamber's dues-paying members, and their dues ledger.
public protocol MembershipStandingStore: Sendable {
    /// Members with a standing, in `status` (any when nil), by name.
    func list(status: MembershipStatus?, page: PageRequest) async throws -> Page<Member>
    /// Members whose standing dates alone can move: in trial, active or in grace.
    func moving() async throws -> [Member]
    /// Writes `standing` as `userID`'s if their stored standing's revision is still `standing.revision` (raising it),
    /// with `entry` added to the ledger in the same transaction. False when it was written since it was read. With
    /// `seats` (a change of tier), the business's people and pending invitations must fit in them, counted while its
    /// seats are held: `seats_full` otherwise. `notices` are written owed in the same transaction.
    func update(userID: UserID, _ standing: MembershipStanding, entry: DuesLedgerEntry?, seats: SeatLimit?, notices: [Notice]) async throws -> Bool
    /// The member's ledger, newest first.
    func ledger(userID: UserID, limit: Int) async throws -> [DuesLedgerEntry]
}

/// Who holds the seats of the chamber's member businesses.
public protocol BusinessSeatStore: Sendable {
    /// The business's seats: its holder, its staff, its pending invitations to a seat, at `at`.
    func seating(of businessID: BusinessID, at: Date) async throws -> BusinessSeating
    /// The member whose standing names the business, if any.
    func holder(of businessID: BusinessID) async throws -> Member?
    /// Gives `userID` a seat of the business, in one transaction that holds the business's seats: throws
    /// `seats_full`, `seat_conflict` (the member holds a membership or another seat), `member_not_found`. True when
    /// given, false when the member held it already.
    func give(userID: UserID, businessID: BusinessID, at: Date) async throws -> Bool
    /// Frees `userID`'s seat of the business; false when they held none there.
    func free(userID: UserID, businessID: BusinessID) async throws -> Bool
}

/// A tier change's seats: the business's people and invitations pending at `at` must fit in `seats`.
public struct SeatLimit: Sendable {
    /// The new tier's name, for the refusal.
    public let tierName: String
    public let seats: Int
    public let at: Date

    public init(tierName: String, seats: Int, at: Date) {
        self.tierName = tierName
        self.seats = seats
        self.at = at
    }
}
