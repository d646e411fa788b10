import Foundation

/// The columns of a chamber's member file, the same for export and import: a file exported from one chamber
/// imports into another. Only `email` and `display_name` are required; the business columns describe the listing
/// the member owns, the last ones their dues standing.
public enum MemberRecordColumn: String, Sendable, CaseIterable {
    case email, displayName = "display_name", role, joinedAt = "joined_at"
    case legalName = "legal_name", dba, taxID = "tax_id", category, phone, businessEmail = "business_email", website, description
    case logoURL = "logo_url"
    case addressLine1 = "address_line1", addressLine2 = "address_line2", city, region, postalCode = "postal_code", country
    case tier, status, trialEndsAt = "trial_ends_at", paidThrough = "paid_through"
    /// `instagram=https://…;linkedin=https://…`
    case socialLinks = "social_links"
    /// Who sees each field of the listing: `phone=staff;address=public` (fields left out keep their default).
    case privacy

    static let business: [MemberRecordColumn] = [
        .legalName, .dba, .taxID, .category, .phone, .businessEmail, .website, .description, .logoURL, .addressLine1, .addressLine2, .city,
        .region, .postalCode, .country, .socialLinks, .privacy,
    ]
}

/// One member as a file row describes them, checked: who they are, their role, the business they own and their
/// standing.
public struct MemberRecord: Sendable, Equatable {
    /// The line of the file it came from (the header is line 1).
    public let line: Int
    public let email: String
    public let displayName: String
    public let role: Role
    public let joinedAt: Date?
    public let business: BusinessRecord?
    public let standing: StandingRecord?
}

/// The business columns of a row, checked.
public struct BusinessRecord: Sendable, Equatable {
    public let legalName: String
    public let dba: String?
    public let taxID: String?
    public let category: String?
    public let phone: String?
    public let email: String?
    public let website: String?
    public let description: String?
    public let logoURL: String?
    public let address: PostalAddress
    public let socialLinks: [String: String]
    public let privacy: DirectoryPrivacy
}

/// The standing columns of a row, checked: the tier by its name in the chamber.
public struct StandingRecord: Sendable, Equatable {
    public let tierID: TierID
    /// Nil: the standing a newly approved member opens with (a trial or pending dues).
    public let status: MembershipStatus?
    public let trialEndsAt: Date?
    public let paidThrough: Date?
}

/// Something wrong with a file or one of its rows: where, and what, with a stable code.
public struct ImportProblem: Sendable, Equatable {
    /// The file's line (the header is line 1); nil for the file as a whole.
    public let line: Int?
    /// The column at fault, when there is one.
    public let column: String?
    public let code: String
    public let message: String

    public init(line: Int?, column: String?, _ error: ChamberError) {
        self.line = line
        self.column = column ?? error.field
        self.code = error.code.rawValue
        self.message = error.message
    }
}

extension MemberRecord {
    /// What a row is checked against: the chamber's tiers and categories, and who may be given which role.
    public struct Context: Sendable {
        public let tiersByName: [String: TierID]
        public let categories: Set<String>
        public let actorRole: Role

        public init(tiersByName: [String: TierID], categories: Set<String>, actorRole: Role) {
            self.tiersByName = tiersByName
            self.categories = categories
            self.actorRole = actorRole
        }
    }

    /// Reads and checks one row; every problem found is reported, not only the first.
    public static func read(_ cells: [MemberRecordColumn: String], line: Int, context: Context) -> (MemberRecord?, [ImportProblem]) {
        var row = RowReader(cells: cells, line: line)
        let reader = row
        let email = row.check(.email) { () throws(ChamberError) in try Validate.email(reader.value(.email) ?? "", field: "email") }
        let name = row.check(.displayName) { () throws(ChamberError) in
            try Validate.name(reader.value(.displayName) ?? "", field: "display_name")
        }
        let role = row.check(.role) { () throws(ChamberError) -> Role in
            guard let raw = reader.value(.role) else { return .member }
            guard let role = Role(rawValue: raw.lowercased()) else {
                throw ChamberError(.validationFailed, "'\(raw)' is not a role (\(Role.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard Permissions.canAssign(role, actor: context.actorRole) else {
                throw ChamberError(.roleNotAssignable, "a \(context.actorRole.rawValue) may not make anyone a \(role.rawValue)")
            }
            return role
        }
        let joinedAt = row.check(.joinedAt) { () throws(ChamberError) in try date(reader.value(.joinedAt), .joinedAt) }
        let business = readBusiness(&row, context: context)
        let standing = readStanding(&row, context: context)
        guard row.problems.isEmpty, let email, let name, let role, let joinedAt, let business, let standing else { return (nil, row.problems) }
        return (MemberRecord(line: line, email: email, displayName: name, role: role, joinedAt: joinedAt, business: business, standing: standing), [])
    }

    /// One row's cells, and the problems found in them so far.
    struct RowReader {
        let cells: [MemberRecordColumn: String]
        let line: Int
        var problems: [ImportProblem] = []

        /// The cell, trimmed and without a spreadsheet's formula guard; nil when blank.
        func value(_ column: MemberRecordColumn) -> String? {
            let text = CSV.unguarded(cells[column] ?? "").trimmingCharacters(in: .whitespaces)
            return text.isEmpty ? nil : text
        }

        /// The checked value, or nil with the problem recorded.
        mutating func check<T>(_ column: MemberRecordColumn, _ body: () throws(ChamberError) -> T) -> T? {
            do {
                return try body()
            } catch {
                problems.append(ImportProblem(line: line, column: column.rawValue, error))
                return nil
            }
        }

        mutating func report(_ column: MemberRecordColumn, _ message: String) {
            problems.append(ImportProblem(line: line, column: column.rawValue, ChamberError(.validationFailed, message)))
        }
    }

    /// The business, if the row names one: `.some(nil)` when it names none, nil when it has problems.
    private static func readBusiness(_ row: inout RowReader, context: Context) -> BusinessRecord?? {
        let reader = row
        let given = MemberRecordColumn.business.filter { reader.value($0) != nil }
        guard !given.isEmpty else { return .some(nil) }
        guard let rawName = reader.value(.legalName) else {
            row.report(.legalName, "the row describes a business (\(given.map(\.rawValue).joined(separator: ", "))) without its legal_name")
            return nil
        }
        let before = row.problems.count
        let legalName = row.check(.legalName) { () throws(ChamberError) in try Validate.name(rawName, field: "legal_name", maxLength: 200) }
        let taxID = row.check(.taxID) { () throws(ChamberError) -> String? in
            guard let raw = reader.value(.taxID) else { return nil }
            // Nine digits are a US number: an EIN, normalized, or refused when written like a person's SSN.
            if raw.allSatisfy({ $0.isASCIIDigit || $0 == "-" }), raw.filter(\.isASCIIDigit).count == 9 {
                return try EmployerIdentificationNumber.normalized(raw, field: "tax_id")
            }
            return try Validate.optionalText(raw, field: "tax_id", maxLength: 40)
        }
        let category = row.check(.category) { () throws(ChamberError) -> String? in
            guard let code = reader.value(.category) else { return nil }
            guard context.categories.contains(code) else { throw ChamberError(.validationFailed, "'\(code)' is not one of the chamber's categories") }
            return code
        }
        let website = row.check(.website) { () throws(ChamberError) in try Validate.url(reader.value(.website), field: "website") }
        let logoURL = row.check(.logoURL) { () throws(ChamberError) in try Validate.url(reader.value(.logoURL), field: "logo_url") }
        let email = row.check(.businessEmail) { () throws(ChamberError) -> String? in
            guard let raw = reader.value(.businessEmail) else { return nil }
            return try Validate.email(raw, field: "business_email")
        }
        let dba = row.check(.dba) { () throws(ChamberError) in try Validate.optionalText(reader.value(.dba), field: "dba", maxLength: 200) }
        let phone = row.check(.phone) { () throws(ChamberError) in try Validate.optionalText(reader.value(.phone), field: "phone", maxLength: 40) }
        let description = row.check(.description) { () throws(ChamberError) in
            try Validate.optionalText(reader.value(.description), field: "description", maxLength: 4000)
        }
        let address = row.check(.addressLine1) { () throws(ChamberError) in
            try Validate.address(
                PostalAddress(
                    line1: reader.value(.addressLine1), line2: reader.value(.addressLine2), city: reader.value(.city), region: reader.value(.region),
                    postalCode: reader.value(.postalCode), country: reader.value(.country)), field: "address")
        }
        let socialLinks = row.check(.socialLinks) { () throws(ChamberError) in
            try Validate.socialLinks(try pairs(reader.value(.socialLinks), .socialLinks))
        }
        let privacy = row.check(.privacy) { () throws(ChamberError) in
            try DirectoryPrivacy(parsing: try pairs(reader.value(.privacy), .privacy))
        }
        guard row.problems.count == before, let legalName, let taxID, let category, let website, let email, let dba, let phone, let description,
            let logoURL, let address, let socialLinks, let privacy
        else { return nil }
        return .some(
            BusinessRecord(
                legalName: legalName, dba: dba, taxID: taxID, category: category, phone: phone, email: email, website: website,
                description: description, logoURL: logoURL, address: address, socialLinks: socialLinks, privacy: privacy))
    }

    /// The standing, if the row names a tier: `.some(nil)` when it names none, nil when it has problems.
    private static func readStanding(_ row: inout RowReader, context: Context) -> StandingRecord?? {
        let reader = row
        guard let tierName = reader.value(.tier) else {
            let stray = [MemberRecordColumn.status, .trialEndsAt, .paidThrough].filter { reader.value($0) != nil }
            for column in stray { row.report(column, "a standing needs its tier") }
            return stray.isEmpty ? .some(nil) : nil
        }
        let before = row.problems.count
        let tierID = row.check(.tier) { () throws(ChamberError) -> TierID in
            guard let id = context.tiersByName[tierName.lowercased()] else {
                throw ChamberError(.tierNotFound, "the chamber has no tier named '\(tierName)'; create it first")
            }
            return id
        }
        let status = row.check(.status) { () throws(ChamberError) -> MembershipStatus? in
            guard let raw = reader.value(.status) else { return nil }
            guard let status = MembershipStatus(rawValue: raw.lowercased()) else {
                throw ChamberError(
                    .validationFailed, "'\(raw)' is not a membership status (\(MembershipStatus.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return status
        }
        let trialEndsAt = row.check(.trialEndsAt) { () throws(ChamberError) in try date(reader.value(.trialEndsAt), .trialEndsAt) }
        let paidThrough = row.check(.paidThrough) { () throws(ChamberError) in try date(reader.value(.paidThrough), .paidThrough) }
        guard row.problems.count == before, let tierID, let status, let trialEndsAt, let paidThrough else { return nil }
        if status == .trial, trialEndsAt == nil {
            row.report(.trialEndsAt, "a trial needs the day it ends")
            return nil
        }
        if let status, status == .active || status == .grace, paidThrough == nil {
            row.report(.paidThrough, "a standing that is \(status.rawValue) needs paid_through")
            return nil
        }
        return .some(StandingRecord(tierID: tierID, status: status, trialEndsAt: trialEndsAt, paidThrough: paidThrough))
    }

    /// `key=value;key=value`, as the export writes a listing's social links and privacy; empty when blank.
    static func pairs(_ raw: String?, _ column: MemberRecordColumn) throws(ChamberError) -> [String: String] {
        guard let raw else { return [:] }
        var pairs: [String: String] = [:]
        for part in raw.split(separator: ";") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, !pair[0].isEmpty, pairs[pair[0]] == nil else {
                throw ChamberError(.validationFailed, "write \(column.rawValue) as name=value;name=value", field: column.rawValue)
            }
            pairs[pair[0].lowercased()] = pair[1]
        }
        return pairs
    }

    /// The other way: `key=value;…`, keys sorted.
    public static func pairs(_ values: [String: String]) -> String {
        values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ";")
    }

    /// `YYYY-MM-DD`, a day in UTC; nil when blank.
    static func date(_ raw: String?, _ column: MemberRecordColumn) throws(ChamberError) -> Date? {
        guard let raw else { return nil }
        let parts = raw.split(separator: "-").compactMap { Int($0) }
        let calendar = Calendar(identifier: .gregorian)
        guard raw.count == 10, parts.count == 3,
            let date = DateComponents(calendar: calendar, timeZone: TimeZone(identifier: "UTC"), year: parts[0], month: parts[1], day: parts[2]).date,
            calendar.dateComponents(in: TimeZone(identifier: "UTC")!, from: date).day == parts[2]
        else { throw ChamberError(.validationFailed, "'\(raw)' is not a date written YYYY-MM-DD", field: column.rawValue) }
        return date
    }

    /// A day as the file writes it.
    public static func day(_ date: Date?) -> String {
        date.map { CalendarDay.text($0) } ?? ""
    }
}
