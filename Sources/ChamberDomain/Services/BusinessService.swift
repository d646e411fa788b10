import Foundation

/// The fields a client sends to create or change a business. On update, `nil` leaves a field as it is.
public struct BusinessInput: Sendable {
    public var legalName: String?
    public var displayName: String??
    public var taxID: String??
    public var category: String??
    public var address: PostalAddress?
    public var website: String??
    public var phone: String??
    public var email: String??
    public var socialLinks: [String: String]?
    public var description: String??
    public var logoURL: String??
    public var ownerUserID: UserID??
    /// Directory visibility per field; fields not named keep theirs.
    public var privacy: [DirectoryPrivacy.Field: DirectoryAudience]?

    public init(
        legalName: String? = nil, displayName: String?? = nil, taxID: String?? = nil, category: String?? = nil, address: PostalAddress? = nil,
        website: String?? = nil, phone: String?? = nil, email: String?? = nil, socialLinks: [String: String]? = nil,
        description: String?? = nil, ownerUserID: UserID?? = nil
    ) {
        self.legalName = legalName
        self.displayName = displayName
        self.taxID = taxID
        self.category = category
        self.address = address
        self.website = website
        self.phone = phone
        self.email = email
        self.socialLinks = socialLinks
        self.description = description
        self.ownerUserID = ownerUserID
    }
}

/// The business directory of a chamber. Members manage their own business; staff and admins manage all.
public final class BusinessService: Sendable {
    private let store: any Store
    private let now: @Sendable () -> Date

    public init(store: any Store, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.now = now
    }

    /// Every business of the chamber, by name, each as the directory shows it to the caller (its privacy choices and
    /// the chamber's policy); staff see all.
    public func list(_ access: ChamberAccess, page: PageRequest) async throws -> Page<Business> {
        try access.require(.view, .business)
        let settings = try await self.settings(access)
        return try await store.scoped(to: access.chamberID).businesses.list(page: page).map { redacted($0, for: access, in: settings) }
    }

    public func get(_ access: ChamberAccess, id: BusinessID) async throws -> Business {
        try access.require(.view, .business)
        return redacted(try await find(access, id), for: access, in: try await settings(access))
    }

    private func settings(_ access: ChamberAccess) async throws -> ChamberSettings {
        guard let chamber = try await store.chambers.find(id: access.chamberID) else {
            throw ChamberError(.chamberNotFound, "no chamber \(access.chamberID)")
        }
        return chamber.settings
    }

    public func create(_ access: ChamberAccess, input: BusinessInput) async throws -> Business {
        try access.require(.create, .business)
        guard let legalName = input.legalName else {
            throw ChamberError(.validationFailed, "legal_name is required", field: "legal_name")
        }
        var business = Business(
            id: .generate(), chamberID: access.chamberID, ownerUserID: access.userID,
            legalName: try Validate.name(legalName, field: "legal_name", maxLength: 200), createdAt: now())
        try await apply(input, to: &business, access: access)
        try await store.scoped(to: access.chamberID).businesses.insert(business)
        return business
    }

    /// Applies the fields `input` names. Applied to the business as stored when it is written: an edit that crossed
    /// another (the owner's description, staff's privacy) is applied again to the newer reading, so neither is lost.
    public func update(_ access: ChamberAccess, id: BusinessID, input: BusinessInput) async throws -> Business {
        try access.require(.update, .business)
        for _ in 0..<Self.attempts {
            var business = try await find(access, id)
            try requireOwnershipOrStaff(access, business)
            if let legalName = input.legalName { business.legalName = try Validate.name(legalName, field: "legal_name", maxLength: 200) }
            try await apply(input, to: &business, access: access)
            if try await store.scoped(to: access.chamberID).businesses.update(business) {
                business.revision += 1
                return business
            }
        }
        throw ChamberError(.conflict, "the business kept changing while this edit was saved; try again")
    }

    /// How often an edit is applied again before it gives up.
    static let attempts = 5

    public func delete(_ access: ChamberAccess, id: BusinessID) async throws {
        try access.require(.delete, .business)
        _ = try await find(access, id)
        guard try await store.scoped(to: access.chamberID).businesses.delete(id: id, at: now()) else {
            throw ChamberError(.businessNotFound, "no business \(id) in this chamber")
        }
    }

    private func find(_ access: ChamberAccess, _ id: BusinessID) async throws -> Business {
        guard let business = try await store.scoped(to: access.chamberID).businesses.find(id: id) else {
            throw ChamberError(.businessNotFound, "no business \(id) in this chamber")
        }
        return business
    }

    private func requireOwnershipOrStaff(_ access: ChamberAccess, _ business: Business) throws(ChamberError) {
        guard access.role >= .staff || business.ownerUserID == access.userID else {
            throw ChamberError(.forbidden, "only the business's owner or chamber staff may change it")
        }
    }

    private func redacted(_ business: Business, for access: ChamberAccess, in settings: ChamberSettings) -> Business {
        DirectoryListing.shown(business, to: DirectoryAudience(access), isOwner: business.ownerUserID == access.userID, in: settings)
    }

    private func apply(_ input: BusinessInput, to business: inout Business, access: ChamberAccess) async throws {
        if let value = input.displayName { business.displayName = try Validate.optionalText(value, field: "display_name", maxLength: 200) }
        if let value = input.taxID { business.taxID = try Validate.optionalText(value, field: "tax_id", maxLength: 40) }
        if let value = input.category { business.category = try Validate.optionalText(value, field: "category", maxLength: 80) }
        if let value = input.website { business.website = try Validate.url(value, field: "website") }
        if let value = input.phone { business.phone = try Validate.optionalText(value, field: "phone", maxLength: 40) }
        if let value = input.email { business.email = try value.map { raw throws(ChamberError) in try Validate.email(raw) } }
        if let value = input.description { business.description = try Validate.optionalText(value, field: "description", maxLength: 4000) }
        if let value = input.logoURL { business.logoURL = try Validate.url(value, field: "logo_url") }
        if let address = input.address { business.address = try Validate.address(address, field: "address") }
        if let links = input.socialLinks { business.socialLinks = try Validate.socialLinks(links) }
        if let choices = input.privacy {
            for (field, audience) in choices { business.privacy[field] = audience }
        }
        if let owner = input.ownerUserID {
            guard access.role >= .staff else {
                throw ChamberError(.forbidden, "only chamber staff may change a business's owner", field: "owner_user_id")
            }
            if let owner, try await store.scoped(to: access.chamberID).members.find(userID: owner) == nil {
                throw ChamberError(.memberNotFound, "owner must be a member of this chamber", field: "owner_user_id")
            }
            business.ownerUserID = owner
        }
    }
}
