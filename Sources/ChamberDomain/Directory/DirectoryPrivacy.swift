/// What of its listing a business shows to whom, field by field. Names and category are the listing itself and always
/// shown; the tax id is never in the directory.
public struct DirectoryPrivacy: Sendable, Equatable, Codable {
    /// The fields a business may hide.
    public enum Field: String, Sendable, Codable, CaseIterable {
        case website, description, address, phone, email
        case socialLinks = "social_links"

        /// Where a business that chose nothing shows the field: what it is for (being found) is public, the ways to
        /// reach the people behind it are the members'.
        public var defaultAudience: DirectoryAudience {
            switch self {
            case .website, .description, .socialLinks: .public
            case .address, .phone, .email: .members
            }
        }
    }

    /// The business's choices; a field it did not choose has its default.
    public private(set) var choices: [Field: DirectoryAudience]

    public init(_ choices: [Field: DirectoryAudience] = [:]) { self.choices = choices }

    public subscript(field: Field) -> DirectoryAudience {
        get { choices[field] ?? field.defaultAudience }
        set { choices[field] = newValue }
    }

    /// Who sees `field` in a chamber with `settings`: the business's choice, narrowed by the chamber's policy. A
    /// chamber without a public directory shows nothing to the public; one that keeps members' contact details from
    /// each other leaves phone and e-mail to staff.
    public func audience(of field: Field, in settings: ChamberSettings) -> DirectoryAudience {
        var audience = self[field]
        if !settings.publicDirectory { audience = max(audience, .members) }
        if !settings.directoryVisibleToMembers, field == .phone || field == .email { audience = .staff }
        return audience
    }

    public init(from decoder: any Decoder) throws {
        let stored = try decoder.singleValueContainer().decode([String: DirectoryAudience].self)
        choices = Dictionary(uniqueKeysWithValues: stored.compactMap { key, value in Field(rawValue: key).map { ($0, value) } })
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Dictionary(uniqueKeysWithValues: choices.map { ($0.key.rawValue, $0.value) }))
    }
}
