import Foundation

/// A member business's seats and who holds them.
///
/// The tier of the business's membership seats some of its people: the member who holds the membership (whose
/// standing names the business) takes one, each member of its staff another, and each pending invitation to a seat
/// keeps one until it is accepted, revoked or expires. Staff share the business's standing.
public struct BusinessSeating: Sendable, Equatable {
    /// One of the business's people.
    public struct Person: Sendable, Equatable {
        public enum Seat: String, Sendable, Equatable {
            /// Holds the business's membership and pays its dues.
            case holder
            /// One of the business's people, on a seat of its tier.
            case staff
        }

        public let member: Member
        public let seat: Seat

        public init(member: Member, seat: Seat) {
            self.member = member
            self.seat = seat
        }
    }

    public let businessID: BusinessID
    /// The tier of the business's membership; nil when it has none.
    public let tierID: TierID?
    /// What the tier seats; 0 without a membership.
    public let seats: Int
    /// The holder first, then staff by name.
    public let people: [Person]
    /// Invitations to a seat still pending: each keeps one.
    public let invitationsPending: Int
    /// Those invitations, oldest first; empty where they are not the reader's to see (``withoutInvitations``).
    public private(set) var invitations: [Invitation]

    public init(businessID: BusinessID, tierID: TierID?, seats: Int, people: [Person], invitations: [Invitation]) {
        self.businessID = businessID
        self.tierID = tierID
        self.seats = seats
        self.people = people
        self.invitations = invitations
        invitationsPending = invitations.count
    }

    /// The same seats, with the pending invitations counted but not shown (whom they were sent to is for those who
    /// manage the seats).
    public var withoutInvitations: BusinessSeating {
        var seating = self
        seating.invitations = []
        return seating
    }

    /// Seats held or kept. Above ``seats`` when the tier's seats were lowered after they were given: nobody loses
    /// theirs, nobody new gets one.
    public var taken: Int { people.count + invitationsPending }

    /// Whether one more seat may be given or kept.
    public var hasFreeSeat: Bool { taken < seats }

    /// The member who holds the business's membership.
    public var holder: Member? { people.first { $0.seat == .holder }?.member }

    /// Whether the business's standing lets its holder give seats: one that may post (staff give seats whatever it is).
    public var holderInGoodStanding: Bool { holder?.membership.standing?.status.allows(.chat) ?? false }

    /// Throws `seats_full` unless one more seat may be given.
    public func requireFreeSeat() throws(ChamberError) {
        guard tierID != nil else {
            throw ChamberError(.seatsFull, "business \(businessID) has no membership with the chamber, so no seats to give")
        }
        guard hasFreeSeat else {
            throw ChamberError(
                .seatsFull, "all \(seats) seat\(seats == 1 ? "" : "s") of this business's tier are taken: free one, or change to a tier with more")
        }
    }
}
