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

    /// Choices as written (`{"phone": "staff", …}`: a field's name to an audience), each mistake named in `field`
    /// (`privacy.phone`).
    public init(parsing raw: [String: String], field: String = "privacy") throws(ChamberError) {
        var choices: [Field: DirectoryAudience] = [:]
        for (key, value) in raw.sorted(by: { $0.key < $1.key }) {
            guard let listingField = Field(rawValue: key) else {
                throw ChamberError(
                    .validationFailed, "privacy covers \(Field.allCases.map(\.rawValue).joined(separator: ", ")), not '\(key.prefix(40))'",
                    field: "\(field).\(key.prefix(40))")
            }
            guard let audience = DirectoryAudience(rawValue: value) else {
                throw ChamberError(
                    .validationFailed, "a field is shown to public, members or staff, not '\(value.prefix(40))'", field: "\(field).\(key)")
            }
            choices[listingField] = audience
        }
        self.init(choices)
    }

    /// The choices as written: a field's name to an audience's.
    public var written: [String: String] {
        Dictionary(uniqueKeysWithValues: choices.map { ($0.key.rawValue, $0.value.rawValue) })
    }

    public init(from decoder: any Decoder) throws {
        let stored = try decoder.singleValueContainer().decode([String: DirectoryAudience].self)
        choices = Dictionary(uniqueKeysWithValues: stored.compactMap { key, value in Field(rawValue: key).map { ($0, value) } })
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(written)
    }
}
