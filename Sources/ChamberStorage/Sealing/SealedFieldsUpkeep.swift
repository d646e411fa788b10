import ChamberDomain
import Foundation

/// Seals again, under the sealing key, every sealed value another key sealed, and seals what was stored before its
/// field was sealed at all (tax ids written before migration 36). Runs after the migrations on every start and as
/// `chamberconnect reseal`: once it reports nothing left under other keys, a retired key can leave the configuration.
///
/// Every value is opened, under the sealing key too, so one that opens with no configured key (its key taken out too
/// early, or the token secret its derived key came from lost) is counted (``Report/unopenable``) and left as it is.
/// Each row is rewritten only over the value it was read with, so an edit meanwhile (or another node's upkeep) wins
/// and nothing is lost.
public struct SealedFieldsUpkeep: Sendable {
    /// What one run sealed again, by field.
    public struct Report: Sendable, Equatable {
        public var businessTaxIDs = 0
        public var applicationTaxIDs = 0
        public var twoFactorSecrets = 0
        /// Values under a key that is no longer configured (or not sealed values at all), left as they are.
        public var unopenable = 0

        /// The values sealed again (or, from ``SealedFieldsUpkeep/remaining(batch:)``, to seal again).
        public var total: Int { businessTaxIDs + applicationTaxIDs + twoFactorSecrets }
    }

    let database: any SQLDatabase
    let fields: SealedFields

    public init(database: any SQLDatabase, fields: SealedFields) {
        self.database = database
        self.fields = fields
    }

    /// Seals again what needs it; returns what it rewrote.
    public func run(batch: Int = 500) async throws -> Report { try await pass(writing: true, batch: batch) }

    /// What is left to seal again, changing nothing: all zero once every value is under the sealing key.
    public func remaining(batch: Int = 500) async throws -> Report { try await pass(writing: false, batch: batch) }

    private func pass(writing: Bool, batch: Int) async throws -> Report {
        let cipher = fields.cipher
        var report = Report()
        var unopenable = 0
        report.businessTaxIDs = try await reseal(
            table: "businesses", key: "id", column: "tax_id", writing: writing, batch: batch, unopenable: &unopenable
        ) { row, stored in
            let id: BusinessID = try row.id("id")
            guard let taxID = try fields.openTaxID(stored, context: SealingContext.businessTaxID(id)), cipher.needsResealing(stored) else {
                return nil
            }
            return [
                ("tax_id", .text(try fields.sealTaxID(taxID, context: SealingContext.businessTaxID(id)))),
                ("tax_id_token", .text(fields.taxIDToken(taxID))),
            ]
        }
        report.applicationTaxIDs = try await reseal(
            table: "membership_applications", key: "id", column: "steps", writing: writing, batch: batch, unopenable: &unopenable
        ) { row, stored in
            let id: ApplicationID = try row.id("id")
            let steps = try row.json("steps", as: ApplicationSteps.self)
            let opened = try fields.openedSteps(steps, of: id)
            guard let ein = steps.tax?.ein, cipher.needsResealing(ein) else { return nil }
            // A node older than migration 36 (in a rolling upgrade) also wrote the tax id in the clear beside the steps.
            var changes: [(column: String, value: SQLValue)] = [
                ("steps", try .json(try fields.sealedSteps(opened, of: id))), ("tax_id_token", .text(fields.taxIDToken(opened.tax?.ein))),
                ("tax_id", .null),
            ]
            // Checks made before migration 36 named the tax id in their details.
            if AESGCMSecretCipher.keyID(of: ein) == nil, let checks = try row.optionalString("checks"), checks.contains(ein) {
                changes.append(("checks", .text(checks.replacingOccurrences(of: ein, with: "the tax id"))))
            }
            return changes
        }
        report.twoFactorSecrets = try await reseal(
            table: "two_factor_secrets", key: "user_id", column: "sealed_secret", writing: writing, batch: batch,
            unopenable: &unopenable
        ) { row, stored in
            let context = SealingContext.twoFactorSecret(try row.id("user_id"))
            let secret = try cipher.open(stored, context: context)
            guard cipher.needsResealing(stored) else { return nil }
            return [("sealed_secret", .text(try cipher.seal(secret, context: context)))]
        }
        report.unopenable = unopenable
        return report
    }

    /// Walks `table` by `key` in batches; `rewrite` gives the new columns of a row whose `column` holds a value to
    /// seal again (nil: leave the row), written only where `column` still holds what was read. Returns the rows
    /// rewritten, or without `writing` the rows that would be.
    private func reseal(
        table: String, key: String, column: String, writing: Bool, batch: Int, unopenable: inout Int,
        rewrite: (SQLRow, String) throws -> [(column: String, value: SQLValue)]?
    ) async throws -> Int {
        var after = ""
        var rewritten = 0
        while true {
            let rows = try await database.query(
                "SELECT * FROM \(table) WHERE \(key) > ? AND \(column) IS NOT NULL ORDER BY \(key) LIMIT ?", [.text(after), .int(Int64(batch))])
            for row in rows {
                let stored = try row.string(column)
                let proposed: [(column: String, value: SQLValue)]?
                do {
                    proposed = try rewrite(row, stored)
                } catch {
                    // A value that does not open (or a row that does not read) is left for an operator to mend.
                    unopenable += 1
                    continue
                }
                guard let changes = proposed else { continue }
                guard writing else {
                    rewritten += 1
                    continue
                }
                let assignments = changes.map { "\($0.column) = ?" }.joined(separator: ", ")
                rewritten +=
                    try await database.query(
                        "UPDATE \(table) SET \(assignments) WHERE \(key) = ? AND \(column) = ? RETURNING \(key)",
                        changes.map(\.value) + [try row.value(key), .text(stored)]
                    ).count
            }
            guard rows.count == batch, let last = rows.last else { return rewritten }
            after = try last.string(key)
        }
    }
}
