import Foundation

/// The US Employer Identification Number a business applies with: nine digits, written `NN-NNNNNNN`.
///
/// The first two digits are the prefix of the IRS campus (or the online service) that assigned it; the IRS has never
/// assigned the others (its list "How EINs are assigned and valid EIN prefixes"). A number written like a Social
/// Security number (`NNN-NN-NNNN`) is a person's, not a business's, and is refused before it is stored.
public enum EmployerIdentificationNumber {
    /// Prefixes the IRS assigns: Andover, Atlanta, Austin, Brookhaven, Cincinnati, Fresno, Kansas City, Memphis, Ogden,
    /// Philadelphia, the Internet and the Small Business Administration.
    public static let assignedPrefixes: Set<Int> = Set(
        [1, 2, 3, 4, 5, 6, 10, 11, 12, 13, 14, 15, 16, 20, 21, 22, 23, 24, 25, 26, 27]
            + Array(30...48) + Array(50...68) + Array(71...77) + Array(80...88) + Array(90...95) + [98, 99])

    /// The number in its written form `NN-NNNNNNN`, from nine digits with or without the dash after the second.
    /// Throws `validation_failed` for any other shape, naming an SSN-shaped number as such.
    public static func normalized(_ raw: String, field: String) throws(ChamberError) -> String {
        let value = raw.trimmingCharacters(in: .whitespaces)
        let digits = value.filter(\.isASCIIDigit)
        let dashes = value.enumerated().filter { $0.element == "-" }.map(\.offset)
        guard value.allSatisfy({ $0.isASCIIDigit || $0 == "-" }), digits.count == 9 else {
            throw ChamberError(.validationFailed, "an EIN has nine digits, written NN-NNNNNNN", field: field)
        }
        if dashes == [3, 6] {
            throw ChamberError(
                .validationFailed, "this is written like a Social Security number; give the business's EIN (NN-NNNNNNN)", field: field)
        }
        guard dashes.isEmpty || dashes == [2] else {
            throw ChamberError(.validationFailed, "an EIN is written NN-NNNNNNN", field: field)
        }
        return "\(digits.prefix(2))-\(digits.dropFirst(2))"
    }

    /// Whether a normalized number starts with a prefix the IRS assigns.
    public static func hasAssignedPrefix(_ ein: String) -> Bool {
        guard let prefix = Int(ein.prefix(2)) else { return false }
        return assignedPrefixes.contains(prefix)
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
