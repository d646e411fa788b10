import ChamberDomain
import HTTPTypes
import Hummingbird

/// The people of a member business on its tier's seats (`/v1/chambers/{chamberId}/businesses/{businessId}/people`):
/// who holds them, invitations to one (and their revocation), a member given one or leaving it.
struct BusinessSeatRoutes {
    let services: ChamberServices
    let membership: MembershipServices

    func register(on router: Router<AppRequestContext>) {
        let (seats, chambers) = (membership.seats, services.chambers)
        let people = router.group("v1/chambers/{chamberId}/businesses/{businessId}/people")
            .add(middleware: ChamberAccessMiddleware(services: services))
        people.get { request, context in
            JSONResponse(
                .ok, BusinessPeopleBody(try await seats.seating(try context.access(), businessID: try request.id("businessId", context: context))))
        }
        people.post { request, context in
            let businessID: BusinessID = try request.id("businessId", context: context)
            let body = try await APIJSON.decode(SeatInvitationRequest.self, from: request, context: context)
            let issued = try await chambers.invite(try context.access(), email: body.email, toSeatOf: businessID)
            return JSONResponse(.created, IssuedInvitationBody(invitation: InvitationBody(issued.invitation), token: issued.token))
        }
        people.put("{userId}") { request, context in
            let (businessID, userID): (BusinessID, UserID) = (
                try request.id("businessId", context: context), try request.id("userId", context: context)
            )
            return JSONResponse(.ok, BusinessPeopleBody(try await seats.add(try context.access(), businessID: businessID, userID: userID)))
        }
        people.delete("invitations/{invitationId}") { request, context in
            let (businessID, invitationID): (BusinessID, InvitationID) = (
                try request.id("businessId", context: context), try request.id("invitationId", context: context)
            )
            try await seats.revokeInvitation(try context.access(), businessID: businessID, invitationID: invitationID)
            return Response(status: .noContent)
        }
        people.delete("{userId}") { request, context in
            let (businessID, userID): (BusinessID, UserID) = (
                try request.id("businessId", context: context), try request.id("userId", context: context)
            )
            try await seats.remove(try context.access(), businessID: businessID, userID: userID)
            return Response(status: .noContent)
        }
    }
}

/// An invitation to one of a business's seats.
struct SeatInvitationRequest: Decodable {
    let email: String
}

/// A business's seats and their holders (`BusinessPeople` in `Protocol/openapi.yaml`).
struct BusinessPeopleBody: Encodable {
    struct Person: Encodable {
        let userId: String
        let displayName: String
        let role: String
        let seat: String
    }

    let businessId: String
    let tierId: String?
    let seats: Int
    let seatsTaken: Int
    let invitationsPending: Int
    let people: [Person]
    /// Shown to those who manage the seats; empty for others.
    let invitations: [InvitationBody]

    init(_ seating: BusinessSeating) {
        businessId = seating.businessID.rawValue
        tierId = seating.tierID?.rawValue
        seats = seating.seats
        seatsTaken = seating.taken
        invitationsPending = seating.invitationsPending
        invitations = seating.invitations.map { InvitationBody($0) }
        people = seating.people.map {
            Person(
                userId: $0.member.user.id.rawValue, displayName: $0.member.user.displayName, role: $0.member.membership.role.rawValue,
                seat: $0.seat.rawValue)
        }
    }
}
