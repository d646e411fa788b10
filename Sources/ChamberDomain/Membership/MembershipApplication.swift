import Foundation

public typealias ApplicationID = Identifier<MembershipApplication>

/// A business's application to join a chamber: five steps filled in one at a time (a draft can be left and resumed),
/// then submitted to the chamber's review queue, where staff approve it, reject it or ask for more.
public struct MembershipApplication: Sendable, Equatable, Codable {
    public let id: ApplicationID
    public let chamberID: ChamberID
    /// Who applies, and becomes the member and the owner of the business listing when approved.
    public let applicantID: UserID
    public var status: ApplicationStatus
    public var steps: ApplicationSteps
    /// The automatic checks of the last submission, and the score they add up to (0–100).
    public var checks: [ApplicationCheck]
    public var score: Int?
    /// What staff last asked for, and what the applicant answered.
    public var infoRequest: String?
    public var applicantResponse: String?
    /// Why it was rejected.
    public var decisionReason: String?
    /// Who decided, and when; nil for an automatic approval's decider.
    public var decidedBy: UserID?
    public var decidedAt: Date?
    public var submittedAt: Date?
    /// The listing an approval created.
    public var businessID: BusinessID?
    public let createdAt: Date
    public var updatedAt: Date
    /// Raised by every write: a write based on an older reading is refused, so nothing saved is overwritten unseen.
    public var revision: Int

    public init(
        id: ApplicationID, chamberID: ChamberID, applicantID: UserID, status: ApplicationStatus = .draft, steps: ApplicationSteps = .init(),
        checks: [ApplicationCheck] = [], score: Int? = nil, infoRequest: String? = nil, applicantResponse: String? = nil,
        decisionReason: String? = nil, decidedBy: UserID? = nil, decidedAt: Date? = nil, submittedAt: Date? = nil, businessID: BusinessID? = nil,
        createdAt: Date, updatedAt: Date, revision: Int = 0
    ) {
        self.revision = revision
        self.id = id
        self.chamberID = chamberID
        self.applicantID = applicantID
        self.status = status
        self.steps = steps
        self.checks = checks
        self.score = score
        self.infoRequest = infoRequest
        self.applicantResponse = applicantResponse
        self.decisionReason = decisionReason
        self.decidedBy = decidedBy
        self.decidedAt = decidedAt
        self.submittedAt = submittedAt
        self.businessID = businessID
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// The five steps, each nil until saved. A saved step passed its own validation.
public struct ApplicationSteps: Sendable, Equatable, Codable {
    public var business: BusinessIdentity?
    public var tax: TaxRegistration?
    public var contact: ContactDetails?
    public var online: OnlinePresence?
    public var membership: MembershipChoice?
    /// Step 5's papers (a business license, others), each uploaded on its own; the review checks for a license.
    public var documents: [StoredFile]

    /// How many documents one application may carry.
    public static let maxDocuments = 10

    public init(
        business: BusinessIdentity? = nil, tax: TaxRegistration? = nil, contact: ContactDetails? = nil, online: OnlinePresence? = nil,
        membership: MembershipChoice? = nil, documents: [StoredFile] = []
    ) {
        self.business = business
        self.tax = tax
        self.contact = contact
        self.online = online
        self.membership = membership
        self.documents = documents
    }

    private enum CodingKeys: String, CodingKey {
        case business, tax, contact, online, membership, documents
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        business = try container.decodeIfPresent(BusinessIdentity.self, forKey: .business)
        tax = try container.decodeIfPresent(TaxRegistration.self, forKey: .tax)
        contact = try container.decodeIfPresent(ContactDetails.self, forKey: .contact)
        online = try container.decodeIfPresent(OnlinePresence.self, forKey: .online)
        membership = try container.decodeIfPresent(MembershipChoice.self, forKey: .membership)
        // Applications saved before documents were collected have none.
        documents = try container.decodeIfPresent([StoredFile].self, forKey: .documents) ?? []
    }

    /// The steps not yet saved, in order.
    public var missing: [ApplicationStep] {
        ApplicationStep.allCases.filter { step in
            switch step {
            case .business: business == nil
            case .tax: tax == nil
            case .contact: contact == nil
            case .online: online == nil
            case .membership: membership == nil
            }
        }
    }
}

/// The steps' names, in order, as the routes spell them.
public enum ApplicationStep: String, Sendable, CaseIterable, Codable {
    case business, tax, contact, online, membership
}

/// Step 1: who the business is.
public struct BusinessIdentity: Sendable, Equatable, Codable {
    public var legalName: String
    /// "Doing business as": the name the public knows.
    public var dba: String?
    public var structure: BusinessStructure
    public var yearFounded: Int
    public var size: BusinessSize

    public init(legalName: String, dba: String? = nil, structure: BusinessStructure, yearFounded: Int, size: BusinessSize) {
        self.legalName = legalName
        self.dba = dba
        self.structure = structure
        self.yearFounded = yearFounded
        self.size = size
    }
}

public enum BusinessStructure: String, Sendable, Codable, CaseIterable {
    case soleProprietorship = "sole_proprietorship"
    case partnership, llc, corporation
    case nonProfit = "non_profit"
}

/// Head count, in the bands directories use.
public enum BusinessSize: String, Sendable, Codable, CaseIterable {
    case one = "1"
    case upTo10 = "2-10"
    case upTo50 = "11-50"
    case upTo200 = "51-200"
    case upTo500 = "201-500"
    case over500 = "501+"
}

/// Step 2: the federal tax id and the state registration.
public struct TaxRegistration: Sendable, Equatable, Codable {
    /// Normalized `NN-NNNNNNN`.
    public var ein: String
    public var stateRegistrationNumber: String?
    /// The state (or other region) that registered the business.
    public var registrationState: String?

    public init(ein: String, stateRegistrationNumber: String? = nil, registrationState: String? = nil) {
        self.ein = ein
        self.stateRegistrationNumber = stateRegistrationNumber
        self.registrationState = registrationState
    }
}

/// Step 3: how to reach the business, where it is, what it does.
public struct ContactDetails: Sendable, Equatable, Codable {
    public var email: String
    public var phone: String?
    public var address: PostalAddress
    /// A code of the category list (`Config/membership/categories.json`).
    public var category: String

    public init(email: String, phone: String? = nil, address: PostalAddress, category: String) {
        self.email = email
        self.phone = phone
        self.address = address
        self.category = category
    }
}

/// Step 4: the business online.
public struct OnlinePresence: Sendable, Equatable, Codable {
    public var website: String?
    public var socialLinks: [String: String]
    public var description: String?
    public var logoURL: String?

    public init(website: String? = nil, socialLinks: [String: String] = [:], description: String? = nil, logoURL: String? = nil) {
        self.website = website
        self.socialLinks = socialLinks
        self.description = description
        self.logoURL = logoURL
    }
}

/// Step 5: the tier chosen and the agreement accepted.
public struct MembershipChoice: Sendable, Equatable, Codable {
    public var tierID: TierID
    /// When the applicant accepted the chamber's membership agreement (required to save the step).
    public var agreementAcceptedAt: Date

    public init(tierID: TierID, agreementAcceptedAt: Date) {
        self.tierID = tierID
        self.agreementAcceptedAt = agreementAcceptedAt
    }
}
