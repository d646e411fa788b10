import ChamberDomain
import Foundation
import Testing

/// One row of a member file, read and checked: each rule as a row of the table.
@Suite("Member file rows")
struct MemberRecordTests {
    static let gold = TierID.generate()
    static let context = MemberRecord.Context(tiersByName: ["gold": gold], categories: ["445", "722"], actorRole: .staff)

    static func read(_ cells: [String: String], role: Role = .staff) -> (MemberRecord?, [ImportProblem]) {
        var named: [MemberRecordColumn: String] = [.email: "apu@kwik.example", .displayName: "Apu"]
        for (key, value) in cells { named[MemberRecordColumn(rawValue: key)!] = value }
        let context = MemberRecord.Context(tiersByName: Self.context.tiersByName, categories: Self.context.categories, actorRole: role)
        return MemberRecord.read(named, line: 7, context: context)
    }

    @Test(
        "each problem names its column and code",
        arguments: [
            (["email": "not-an-email"], "email", "invalid_email"),
            (["display_name": ""], "display_name", "validation_failed"),
            (["role": "overlord"], "role", "validation_failed"),
            (["role": "staff"], "role", "role_not_assignable"),
            (["joined_at": "2026-02-30"], "joined_at", "validation_failed"),
            (["joined_at": "12/01/2026"], "joined_at", "validation_failed"),
            (["city": "Springfield"], "legal_name", "validation_failed"),
            (["legal_name": "Kwik", "tax_id": "123-45-6789"], "tax_id", "validation_failed"),
            (["legal_name": "Kwik", "category": "999"], "category", "validation_failed"),
            (["legal_name": "Kwik", "website": "javascript:alert(1)"], "website", "validation_failed"),
            (["legal_name": "Kwik", "business_email": "nope"], "business_email", "invalid_email"),
            (["tier": "Platinum"], "tier", "tier_not_found"),
            (["status": "active"], "status", "validation_failed"),
            (["tier": "gold", "status": "dormant"], "status", "validation_failed"),
            (["tier": "gold", "status": "trial"], "trial_ends_at", "validation_failed"),
            (["tier": "gold", "status": "active"], "paid_through", "validation_failed"),
        ] as [([String: String], String, String)])
    func problems(_ cells: [String: String], _ column: String, _ code: String) {
        let (record, problems) = Self.read(cells)
        #expect(record == nil)
        #expect(problems.contains { $0.line == 7 && $0.column == column && $0.code == code }, "\(problems)")
    }

    @Test("every problem of a row is reported, not only the first")
    func allProblems() {
        let (_, problems) = Self.read(["email": "x", "role": "overlord", "legal_name": "K", "category": "999", "tier": "nope"])
        #expect(Set(problems.compactMap(\.column)) == ["email", "role", "category", "tier"])
    }

    @Test("a full row: normalized EIN, the tier by any case, the formula guard taken off, dates in UTC")
    func fullRow() throws {
        let (record, problems) = Self.read(
            [
                "role": "trial", "joined_at": "2024-03-01", "legal_name": "Kwik-E-Mart LLC", "dba": "Kwik", "tax_id": "123456789",
                "category": "445", "phone": "'+1 217 555 0199", "website": "https://kwik.example", "city": "Springfield", "country": "us",
                "tier": "GOLD", "status": "active", "paid_through": "2027-02-28",
            ])
        #expect(problems.isEmpty, "\(problems)")
        let row = try #require(record)
        #expect(row.role == .trial && row.business?.taxID == "12-3456789" && row.business?.phone == "+1 217 555 0199")
        #expect(row.standing?.tierID == Self.gold && row.standing?.status == .active && row.standing?.trialEndsAt == nil)
        #expect(MemberRecord.day(row.standing?.paidThrough) == "2027-02-28")
        #expect(MemberRecord.day(row.joinedAt) == "2024-03-01")
        #expect(row.business?.address.country == "US")
    }

    @Test("a member with no business and no tier is a plain membership")
    func plainMember() throws {
        let (record, problems) = Self.read([:])
        #expect(problems.isEmpty)
        #expect(record?.business == nil && record?.standing == nil && record?.role == .member)
    }
}
