import ChamberDomain
import Foundation
import Testing

/// A business's seats as a table: what is taken, whether one more may be given, and who may give one.
@Suite("Business seats")
struct BusinessSeatingTests {
    static let chamberID = ChamberID.generate()
    static let holder = member("Apu", standing: MembershipStanding(tierID: .generate(), status: .active, statusChangedAt: Date()))

    static func member(_ name: String, role: Role = .member, standing: MembershipStanding? = nil) -> Member {
        let user = User(id: .generate(), email: "\(name.lowercased())@example.com", displayName: name, isPlatformAdmin: false, createdAt: Date())
        return Member(membership: Membership(chamberID: chamberID, userID: user.id, role: role, joinedAt: Date(), standing: standing), user: user)
    }

    static func seating(seats: Int, staff: Int, pending: Int, membership: Bool = true) -> BusinessSeating {
        BusinessSeating(
            businessID: .generate(), tierID: membership ? holder.membership.standing?.tierID : nil, seats: membership ? seats : 0,
            people: (membership ? [.init(member: holder, seat: .holder)] : [])
                + (0..<staff).map { .init(member: member("Staff \($0)"), seat: .staff) },
            invitations: (0..<pending).map { _ in
                Invitation(
                    id: .generate(), chamberID: chamberID, email: "invited@example.com", role: .member, invitedBy: holder.user.id, createdAt: Date(),
                    expiresAt: Date().addingTimeInterval(86_400))
            })
    }

    @Test(
        "seats taken count the holder, staff and pending invitations; one more is given only below the tier's count",
        arguments: [
            // seats, staff, pending invitations, has a membership, taken, may give one more
            (1, 0, 0, true, 1, false), (3, 0, 0, true, 1, true), (3, 1, 0, true, 2, true), (3, 1, 1, true, 3, false),
            (3, 2, 0, true, 3, false), (2, 2, 0, true, 3, false), (5, 0, 0, false, 0, false), (500, 498, 1, true, 500, false),
        ])
    func freeSeats(_ seats: Int, _ staff: Int, _ pending: Int, _ membership: Bool, _ taken: Int, _ free: Bool) {
        let seating = Self.seating(seats: seats, staff: staff, pending: pending, membership: membership)
        #expect(seating.taken == taken)
        #expect(seating.hasFreeSeat == (free && membership))
        do {
            try seating.requireFreeSeat()
            #expect(free, "gave a seat past the count")
        } catch {
            #expect(!free && error.code == .seatsFull, "\(error)")
        }
    }

    @Test(
        "the holder, staff and admins give seats; other members, the business's staff and moderators do not",
        arguments: [
            ("holder", true), ("staff of the business", false), ("other member", false), ("moderator", false), ("chamber staff", true),
            ("admin", true),
        ])
    func managers(_ who: String, _ allowed: Bool) throws {
        let seating = Self.seating(seats: 3, staff: 1, pending: 0)
        let caller: (UserID, Role) =
            switch who {
            case "holder": (Self.holder.user.id, .member)
            case "staff of the business": (seating.people[1].member.user.id, .member)
            case "moderator": (.generate(), .moderator)
            case "chamber staff": (.generate(), .staff)
            case "admin": (.generate(), .admin)
            default: (.generate(), .member)
            }
        let user = User(id: caller.0, email: "caller@example.com", displayName: "Caller", isPlatformAdmin: false, createdAt: Date())
        let access = ChamberAccess(
            identity: Identity(user: user, sessionID: .generate()), chamberID: Self.chamberID, role: caller.1, viaPlatformAdmin: false)
        do {
            try seating.requireManaged(by: access)
            #expect(allowed, "\(who) gave a seat")
        } catch {
            #expect(!allowed && error.code == .forbidden, "\(who): \(error)")
        }
    }
}
