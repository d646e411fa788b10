import ChamberDomain
import Foundation

// MARK: Requests

struct TierRequest: Decodable {
    let name: String?
    let duesCents: Int?
    let period: String?
    let benefits: [String]?
    let seats: Int?
    let active: Bool?

    func input() throws(ChamberError) -> TierInput {
        var period: DuesPeriod?
        if let raw = self.period {
            guard let parsed = DuesPeriod(rawValue: raw) else {
                throw ChamberError(.validationFailed, "period is one of monthly, quarterly, annual", field: "period")
            }
            period = parsed
        }
        return TierInput(name: name, duesCents: duesCents, period: period, benefits: benefits, seats: seats, active: active)
    }
}

/// `POST /v1/applications`: the chamber applied to, and an account to create when the caller has none.
struct StartApplicationRequest: Decodable {
    struct Account: Decodable {
        let email: String
        let password: String
        let displayName: String
    }
    let chamberId: String
    let account: Account?
}

/// The body of `PUT /v1/applications/{id}/steps/{step}`: the fields of that one step.
struct ApplicationStepRequest: Decodable {
    // business
    let legalName: String?
    let dba: String?
    let structure: String?
    let yearFounded: Int?
    let size: String?
    // tax
    let ein: String?
    let stateRegistrationNumber: String?
    let registrationState: String?
    // contact
    let email: String?
    let phone: String?
    let address: PostalAddress?
    let category: String?
    // online
    let website: String?
    let socialLinks: [String: String]?
    let description: String?
    let logoUrl: String?
    // membership
    let tierId: String?
    let agreementAccepted: Bool?

    func input(for step: ApplicationStep) -> ApplicationStepInput {
        switch step {
        case .business: .business(legalName: legalName, dba: dba, structure: structure, yearFounded: yearFounded, size: size)
        case .tax: .tax(ein: ein, stateRegistrationNumber: stateRegistrationNumber, registrationState: registrationState)
        case .contact: .contact(email: email, phone: phone, address: address, category: category)
        case .online: .online(website: website, socialLinks: socialLinks, description: description, logoURL: logoUrl)
        case .membership: .membership(tierID: tierId, agreementAccepted: agreementAccepted)
        }
    }
}

struct SubmitApplicationRequest: Decodable {
    let response: String?
}

struct ApplicationDecisionRequest: Decodable {
    let decision: String
    let reason: String?
    let message: String?

    func parsed() throws(ChamberError) -> ApplicationDecision {
        switch decision {
        case "approve": return .approve
        case "reject":
            guard let reason else { throw ChamberError(.validationFailed, "a rejection needs a reason", field: "reason") }
            return .reject(reason: reason)
        case "request_info":
            guard let message else { throw ChamberError(.validationFailed, "a request for information needs a message", field: "message") }
            return .requestInfo(message: message)
        default:
            throw ChamberError(.validationFailed, "decision is one of approve, reject, request_info", field: "decision")
        }
    }
}

// MARK: Responses

struct TierBody: Encodable {
    let id: String
    let chamberId: String
    let name: String
    let duesCents: Int
    let currency: String
    let period: String
    let benefits: [String]
    let seats: Int
    let active: Bool
    let createdAt: Date

    init(_ tier: MembershipTier, currency: String) {
        id = tier.id.rawValue
        chamberId = tier.chamberID.rawValue
        name = tier.name
        duesCents = tier.duesCents
        self.currency = currency
        period = tier.period.rawValue
        benefits = tier.benefits
        seats = tier.seats
        active = tier.active
        createdAt = tier.createdAt
    }
}

/// What a chamber offers someone about to apply.
struct MembershipOfferBody: Encodable {
    struct ChamberSummary: Encodable {
        let id: String
        let name: String
        let slug: String
        let openApplications: Bool
    }
    struct Category: Encodable {
        let code: String
        let name: String
    }
    let chamber: ChamberSummary
    let tiers: [TierBody]
    let categories: [Category]
}

struct ApplicationBody: Encodable {
    struct Steps: Encodable {
        struct Business: Encodable {
            let legalName: String
            let dba: String?
            let structure: String
            let yearFounded: Int
            let size: String
        }
        struct Tax: Encodable {
            let ein: String
            let stateRegistrationNumber: String?
            let registrationState: String?
        }
        struct Contact: Encodable {
            let email: String
            let phone: String?
            let address: PostalAddress
            let category: String
        }
        struct Online: Encodable {
            let website: String?
            let socialLinks: [String: String]
            let description: String?
            let logoUrl: String?
        }
        struct Membership: Encodable {
            let tierId: String
            let agreementAcceptedAt: Date
        }
        let business: Business?
        let tax: Tax?
        let contact: Contact?
        let online: Online?
        let membership: Membership?
    }
    struct Check: Encodable {
        let name: String
        let result: String
        let detail: String
        let weight: Int
    }
    let id: String
    let chamberId: String
    let applicantId: String
    let status: String
    let steps: Steps
    let missingSteps: [String]
    let documents: [DocumentBody]
    /// Staff's only: a check's detail names who else holds a tax id or an e-mail address.
    let checks: [Check]?
    let score: Int?
    let infoRequest: String?
    let applicantResponse: String?
    let decisionReason: String?
    let decidedBy: String?
    let decidedAt: Date?
    let submittedAt: Date?
    let businessId: String?
    let createdAt: Date
    let updatedAt: Date

    /// - Parameter forApplicant: the applicant's own view, without the checks and the score.
    init(_ a: MembershipApplication, forApplicant: Bool = false) {
        id = a.id.rawValue
        chamberId = a.chamberID.rawValue
        applicantId = a.applicantID.rawValue
        status = a.status.rawValue
        let s = a.steps
        steps = Steps(
            business: s.business.map {
                .init(legalName: $0.legalName, dba: $0.dba, structure: $0.structure.rawValue, yearFounded: $0.yearFounded, size: $0.size.rawValue)
            },
            tax: s.tax.map { .init(ein: $0.ein, stateRegistrationNumber: $0.stateRegistrationNumber, registrationState: $0.registrationState) },
            contact: s.contact.map { .init(email: $0.email, phone: $0.phone, address: $0.address, category: $0.category) },
            online: s.online.map { .init(website: $0.website, socialLinks: $0.socialLinks, description: $0.description, logoUrl: $0.logoURL) },
            membership: s.membership.map { .init(tierId: $0.tierID.rawValue, agreementAcceptedAt: $0.agreementAcceptedAt) })
        missingSteps = s.missing.map(\.rawValue)
        documents = s.documents.map(DocumentBody.init)
        checks = forApplicant ? nil : a.checks.map { Check(name: $0.name.rawValue, result: $0.result.rawValue, detail: $0.detail, weight: $0.weight) }
        score = forApplicant ? nil : a.score
        infoRequest = a.infoRequest
        applicantResponse = a.applicantResponse
        decisionReason = a.decisionReason
        decidedBy = a.decidedBy?.rawValue
        decidedAt = a.decidedAt
        submittedAt = a.submittedAt
        businessId = a.businessID?.rawValue
        createdAt = a.createdAt
        updatedAt = a.updatedAt
    }
}

/// The answer to `POST /v1/applications`: the draft, and the new account's tokens when one was created with it.
struct StartedApplicationBody: Encodable {
    let application: ApplicationBody
    let session: TokenBody?
}
