/// A member as the people directory shows them: their name and role, and the businesses they own (their names, which
/// everyone who reads the directory may see). Contacts stay where their privacy rules keep them: the business listings.
public struct DirectoryPerson: Sendable, Equatable {
    /// A business the member owns, by name.
    public struct OwnedBusiness: Sendable, Equatable {
        public let id: BusinessID
        public let legalName: String

        public init(id: BusinessID, legalName: String) {
            self.id = id
            self.legalName = legalName
        }
    }

    public let userID: UserID
    public let displayName: String
    public let role: Role
    public let businesses: [OwnedBusiness]

    public init(userID: UserID, displayName: String, role: Role, businesses: [OwnedBusiness]) {
        self.userID = userID
        self.displayName = displayName
        self.role = role
        self.businesses = businesses
    }
}
