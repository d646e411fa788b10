/// A member as the people directory shows them: their name and role, and the businesses they are with (their names,
/// which everyone who reads the directory may see). Contacts stay where their privacy rules keep them: the business
/// listings.
public struct DirectoryPerson: Sendable, Equatable {
    /// A business the member is with, by name.
    public struct Affiliation: Sendable, Equatable {
        public enum Relation: String, Sendable, Equatable {
            /// The business's owner.
            case owner
            /// On one of its seats (``BusinessSeating``).
            case staff
        }

        public let id: BusinessID
        public let legalName: String
        public let relation: Relation

        public init(id: BusinessID, legalName: String, relation: Relation) {
            self.id = id
            self.legalName = legalName
            self.relation = relation
        }
    }

    public let userID: UserID
    public let displayName: String
    public let role: Role
    /// The businesses the member owns, by name, then the one whose seat they hold.
    public let businesses: [Affiliation]

    public init(userID: UserID, displayName: String, role: Role, businesses: [Affiliation]) {
        self.userID = userID
        self.displayName = displayName
        self.role = role
        self.businesses = businesses
    }
}
