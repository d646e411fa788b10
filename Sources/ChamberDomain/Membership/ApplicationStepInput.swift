import Foundation

/// One step of an application as a client sends it: every field raw, checked as ``apply(to:categories:year:tier:at:)``
/// writes it into the application.
/// A step is saved whole; sending it again replaces it.
public enum ApplicationStepInput: Sendable {
    case business(legalName: String?, dba: String?, structure: String?, yearFounded: Int?, size: String?)
    case tax(ein: String?, stateRegistrationNumber: String?, registrationState: String?)
    case contact(email: String?, phone: String?, address: PostalAddress?, category: String?)
    case online(website: String?, socialLinks: [String: String]?, description: String?, logoURL: String?)
    case membership(tierID: String?, agreementAccepted: Bool?)

    public var step: ApplicationStep {
        switch self {
        case .business: .business
        case .tax: .tax
        case .contact: .contact
        case .online: .online
        case .membership: .membership
        }
    }

    /// The earliest founding year taken: older businesses exist, but not as applicants typing a wrong century.
    static let earliestYear = 1600

    /// Writes the validated step into `steps`, or throws `validation_failed` (or `tier_not_found`) naming the field.
    /// - Parameters:
    ///   - categories: the category list; a category must be one of its codes.
    ///   - tier: looks a tier up in the application's chamber.
    func apply(
        to steps: inout ApplicationSteps, categories: [BusinessCategory], year: Int, tier: (TierID) async throws -> MembershipTier?, at instant: Date
    ) async throws {
        switch self {
        case .business(let legalName, let dba, let structure, let yearFounded, let size):
            let name = try Validate.name(try required(legalName, "legal_name"), field: "legal_name", maxLength: 200)
            guard let structure = BusinessStructure(rawValue: try required(structure, "structure")) else {
                throw ChamberError(
                    .validationFailed, "structure is one of \(BusinessStructure.allCases.map(\.rawValue).joined(separator: ", "))", field: "structure"
                )
            }
            guard let yearFounded else { throw ChamberError(.validationFailed, "year_founded is required", field: "year_founded") }
            guard (Self.earliestYear...year).contains(yearFounded) else {
                throw ChamberError(.validationFailed, "year_founded must be between \(Self.earliestYear) and \(year)", field: "year_founded")
            }
            guard let size = BusinessSize(rawValue: try required(size, "size")) else {
                throw ChamberError(
                    .validationFailed, "size is one of \(BusinessSize.allCases.map(\.rawValue).joined(separator: ", "))", field: "size")
            }
            steps.business = BusinessIdentity(
                legalName: name, dba: try Validate.optionalText(dba, field: "dba", maxLength: 200), structure: structure, yearFounded: yearFounded,
                size: size)
        case .tax(let ein, let stateRegistrationNumber, let registrationState):
            steps.tax = TaxRegistration(
                ein: try EmployerIdentificationNumber.normalized(try required(ein, "ein"), field: "ein"),
                stateRegistrationNumber: try Validate.optionalText(stateRegistrationNumber, field: "state_registration_number", maxLength: 40),
                registrationState: try Validate.optionalText(registrationState, field: "registration_state", maxLength: 100))
        case .contact(let email, let phone, let address, let category):
            guard let address else { throw ChamberError(.validationFailed, "address is required", field: "address") }
            let code = try required(category, "category")
            guard !categories.isEmpty else {
                throw ChamberError(
                    .validationFailed, "this server has no category list (membership.categories_file); ask the chamber", field: "category")
            }
            guard categories.contains(where: { $0.code == code }) else {
                throw ChamberError(.validationFailed, "'\(code.prefix(40))' is not a code of the category list", field: "category")
            }
            let checkedAddress = try Validate.address(address, field: "address")
            guard checkedAddress.line1 != nil, checkedAddress.city != nil else {
                throw ChamberError(.validationFailed, "address needs at least line1 and city", field: "address")
            }
            steps.contact = ContactDetails(
                email: try Validate.email(try required(email, "email")), phone: try Validate.optionalText(phone, field: "phone", maxLength: 40),
                address: checkedAddress, category: code)
        case .online(let website, let socialLinks, let description, let logoURL):
            steps.online = OnlinePresence(
                website: try Validate.url(website, field: "website"), socialLinks: try Validate.socialLinks(socialLinks ?? [:]),
                description: try Validate.optionalText(description, field: "description", maxLength: 4000),
                logoURL: try Validate.url(logoURL, field: "logo_url"))
        case .membership(let tierID, let agreementAccepted):
            let id = try Validate.identifier(try required(tierID, "tier_id"), as: TierID.self, field: "tier_id")
            guard let found = try await tier(id), found.active else {
                throw ChamberError(.tierNotFound, "no tier \(id) is offered by this chamber", field: "tier_id")
            }
            guard agreementAccepted == true else {
                throw ChamberError(.validationFailed, "the membership agreement must be accepted", field: "agreement_accepted")
            }
            steps.membership = MembershipChoice(tierID: found.id, agreementAcceptedAt: instant)
        }
    }

    private func required(_ value: String?, _ field: String) throws(ChamberError) -> String {
        guard let value, !value.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ChamberError(.validationFailed, "\(field) is required", field: field)
        }
        return value
    }
}
