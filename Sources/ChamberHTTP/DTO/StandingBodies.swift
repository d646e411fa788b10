import ChamberDomain
import Foundation

// MARK: Requests

struct StandingActionRequest: Decodable {
    let action: String
    let reason: String?
    let note: String?
    let tierId: String?

    func parsed() throws(ChamberError) -> StandingAction {
        switch action {
        case "suspend", "cancel":
            guard let reason else { throw ChamberError(.validationFailed, "\(action) needs a reason", field: "reason") }
            return action == "suspend" ? .suspend(reason: reason) : .cancel(reason: reason)
        case "reinstate": return .reinstate
        case "record_payment": return .recordPayment(note: note)
        case "change_tier":
            guard let tierId else { throw ChamberError(.validationFailed, "change_tier needs a tier_id", field: "tier_id") }
            return .changeTier(try Validate.identifier(tierId, as: TierID.self, field: "tier_id"))
        default:
            throw ChamberError(
                .validationFailed, "action is one of suspend, cancel, reinstate, record_payment, change_tier", field: "action")
        }
    }
}

struct BulkStandingRequest: Decodable {
    let userIds: [String]
    let action: StandingActionRequest

    private enum Keys: String, CodingKey { case userIds }

    init(from decoder: any Decoder) throws {
        userIds = try decoder.container(keyedBy: Keys.self).decode([String].self, forKey: .userIds)
        action = try StandingActionRequest(from: decoder)
    }
}

// MARK: Responses

/// One member's outcome in a bulk change: the standing after it, or why it was refused.
struct BulkStandingResultBody: Encodable {
    struct Failure: Encodable {
        let code: String
        let message: String
    }
    let userId: String
    let standing: StandingBody?
    let error: Failure?
}

/// A dues-paying member and their standing; the ledger when one member is asked for, the proration after a tier
/// change.
struct StandingBody: Encodable {
    struct Standing: Encodable {
        let status: String
        let tierId: String
        let businessId: String?
        let trialEndsAt: Date?
        let periodStart: Date?
        let paidThrough: Date?
        let statusChangedAt: Date
        /// What the status allows, so a client need not know the table.
        let privileges: [String: Bool]
    }
    struct LedgerEntry: Encodable {
        let id: String
        let kind: String
        let amountCents: Int
        let currency: String
        let periodStart: Date?
        let periodEnd: Date?
        let note: String?
        let recordedBy: String?
        let at: Date
    }
    struct ProrationBody: Encodable {
        let creditCents: Int
        let chargeCents: Int
        let netCents: Int
        let daysLeft: Int
        let daysInPeriod: Int
    }

    let userId: String
    let displayName: String
    /// Absent for the board when the chamber hides members' contact details.
    let email: String?
    let role: String
    let standing: Standing
    let ledger: [LedgerEntry]?
    let proration: ProrationBody?

    /// Throws `standing_not_found` for a member without a standing (the services answer only members with one).
    init(_ member: Member, ledger: [DuesLedgerEntry]? = nil, proration: Proration? = nil) throws(ChamberError) {
        guard let standing = member.membership.standing else {
            throw ChamberError(.standingNotFound, "no dues-paying membership for user \(member.user.id)")
        }
        userId = member.user.id.rawValue
        displayName = member.user.displayName
        email = member.user.email.isEmpty ? nil : member.user.email
        role = member.membership.role.rawValue
        self.standing = Standing(
            status: standing.status.rawValue, tierId: standing.tierID.rawValue, businessId: standing.businessID?.rawValue,
            trialEndsAt: standing.trialEndsAt, periodStart: standing.periodStart, paidThrough: standing.paidThrough,
            statusChangedAt: standing.statusChangedAt,
            privileges: Dictionary(uniqueKeysWithValues: MemberPrivilege.allCases.map { (Self.wireName($0), standing.status.allows($0)) }))
        self.ledger = ledger?.map {
            LedgerEntry(
                id: $0.id, kind: $0.kind.rawValue, amountCents: $0.amountCents, currency: $0.currency, periodStart: $0.periodStart,
                periodEnd: $0.periodEnd, note: $0.note, recordedBy: $0.recordedBy?.rawValue, at: $0.at)
        }
        self.proration = proration.map {
            ProrationBody(
                creditCents: $0.creditCents, chargeCents: $0.chargeCents, netCents: $0.netCents, daysLeft: $0.daysLeft, daysInPeriod: $0.daysInPeriod)
        }
    }

    static func wireName(_ privilege: MemberPrivilege) -> String {
        switch privilege {
        case .chat: "chat"
        case .directoryListing: "directory_listing"
        case .memberPrices: "member_prices"
        }
    }
}
