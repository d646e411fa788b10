import ChamberDomain

/// The fields kept sealed in the database, and the tokens they are found by. Stores seal as they write and open as
/// they read, so the domain sees plain values and a copy of the database alone shows none of them.
public struct SealedFields: Sendable {
    public let cipher: AESGCMSecretCipher

    public init(cipher: AESGCMSecretCipher) {
        self.cipher = cipher
    }

    private static let taxIDPurpose = "tax-id"

    /// A tax id as compared: its letters (in capitals) and digits only, so "12-3456789" and "123456789" are one.
    static func comparable(taxID: String) -> String { String(taxID.filter { $0.isLetter || $0.isNumber }).uppercased() }

    func sealTaxID(_ taxID: String?, context: String) throws -> String? {
        guard let taxID else { return nil }
        return try cipher.seal(Array(taxID.utf8), context: context)
    }

    /// The stored value opened. A value not in the sealed form was written before tax ids were sealed and is read as
    /// it is, until ``SealedFieldsUpkeep`` seals it.
    func openTaxID(_ stored: String?, context: String) throws -> String? {
        guard let stored else { return nil }
        guard AESGCMSecretCipher.keyID(of: stored) != nil else { return stored }
        return String(decoding: try cipher.open(stored, context: context), as: UTF8.self)
    }

    /// The token a tax id is stored under, or nil when it has no letter or digit to compare.
    func taxIDToken(_ taxID: String?) -> String? {
        guard let taxID, case let key = Self.comparable(taxID: taxID), !key.isEmpty else { return nil }
        return cipher.lookupToken(key, purpose: Self.taxIDPurpose)
    }

    /// Every token a tax id may be stored under while keys rotate.
    func taxIDTokens(_ taxID: String) -> [String] {
        let key = Self.comparable(taxID: taxID)
        return key.isEmpty ? [] : cipher.lookupTokens(key, purpose: Self.taxIDPurpose)
    }
}

extension SealedFields {
    /// An application's steps as stored: the tax id in them sealed.
    func sealedSteps(_ steps: ApplicationSteps, of application: ApplicationID) throws -> ApplicationSteps {
        var sealed = steps
        if let ein = steps.tax?.ein { sealed.tax?.ein = try cipher.seal(Array(ein.utf8), context: SealingContext.applicationTaxID(application)) }
        return sealed
    }

    /// An application's steps as read: the tax id in them opened.
    func openedSteps(_ steps: ApplicationSteps, of application: ApplicationID) throws -> ApplicationSteps {
        var opened = steps
        if let stored = steps.tax?.ein { opened.tax?.ein = try openTaxID(stored, context: SealingContext.applicationTaxID(application)) ?? stored }
        return opened
    }

    /// A raw row with its sealed column opened, for what is shown as stored (a member's export).
    func opened(_ row: SQLRow, of table: SealedTable) throws -> SQLRow {
        var values = row.values
        switch table {
        case .businesses:
            let context = SealingContext.businessTaxID(try row.id("id"))
            values["tax_id"] = .text(try openTaxID(try row.optionalString("tax_id"), context: context))
        case .membershipApplications:
            values["steps"] = try .json(try openedSteps(try row.json("steps", as: ApplicationSteps.self), of: try row.id("id")))
        }
        values["tax_id_token"] = nil
        return SQLRow(values)
    }

    /// The tables with a sealed column.
    enum SealedTable {
        case businesses
        case membershipApplications
    }
}
