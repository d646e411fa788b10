import ChamberDomain

/// What an import did or would do.
struct ImportReportBody: Encodable {
    struct Problem: Encodable {
        let line: Int?
        let column: String?
        let code: String
        let message: String
    }

    let dryRun: Bool
    let written: Bool
    let rows: Int
    let newAccounts: Int
    let memberships: Int
    let businesses: Int
    let standings: Int
    let problems: [Problem]

    init(_ report: ImportReport) {
        dryRun = report.dryRun
        written = report.written
        rows = report.rows
        newAccounts = report.newAccounts
        memberships = report.memberships
        businesses = report.businesses
        standings = report.standings
        problems = report.problems.map { Problem(line: $0.line, column: $0.column, code: $0.code, message: $0.message) }
    }
}
