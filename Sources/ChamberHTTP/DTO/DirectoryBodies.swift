import ChamberDomain

/// The public directory: the chamber, and its businesses as they show themselves to the public.
struct PublicDirectoryBody: Encodable {
    struct Chamber: Encodable {
        let id: String
        let name: String
        let slug: String
    }
    let chamber: Chamber
    let items: [BusinessBody]
    let nextCursor: String?
}

/// A member in the people directory.
struct DirectoryPersonBody: Encodable {
    struct Business: Encodable {
        let id: String
        let legalName: String
        let relation: String
    }

    let userId: String
    let displayName: String
    let role: String
    let businesses: [Business]

    init(_ person: DirectoryPerson) {
        userId = person.userID.rawValue
        displayName = person.displayName
        role = person.role.rawValue
        businesses = person.businesses.map { Business(id: $0.id.rawValue, legalName: $0.legalName, relation: $0.relation.rawValue) }
    }
}
