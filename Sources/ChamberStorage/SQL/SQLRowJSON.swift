import ChamberDomain
import Foundation

/// A row as a person reads it in an export or an archive: instants (stored as milliseconds) in ISO 8601, JSON columns
/// as JSON, booleans as booleans, copies kept for search left out.
enum SQLRowJSON {
    /// Columns whose text is JSON, written into the export as JSON rather than as a string of it.
    static let jsonColumns: Set<String> = [
        "steps", "checks", "data", "attachments", "mentions", "reactions", "lines", "guests", "choices", "address", "social_links", "privacy",
    ]
    static let booleanColumns: Set<String> = ["is_platform_admin", "autopay", "walk_in", "urgent"]
    /// Instants stored as milliseconds whose names do not end in `_at`.
    static let instantColumns: Set<String> = [
        "at", "paid_through", "period_start", "period_end", "dues_period_start", "dues_period_end",
    ]

    /// A row as JSON: instants (`…_at` columns, stored as milliseconds) in ISO 8601, JSON columns parsed.
    static func json(_ row: SQLRow, omitting omitted: Set<String> = []) -> JSONValue {
        var object: [String: JSONValue] = [:]
        for (column, value) in row.values where !omitted.contains(column) && !column.hasPrefix("search_") {
            object[column] =
                switch value {
                case .null: .null
                case .bool(let flag): .bool(flag)
                case .int(let number) where column.hasSuffix("_at") || instantColumns.contains(column):
                    .string(Date(millisecondsSince1970: number).iso8601Seconds)
                case .int(let number) where booleanColumns.contains(column): .bool(number != 0)
                case .int(let number): .int(number)
                case .double(let number): .double(number)
                case .text(let text) where jsonColumns.contains(column):
                    (try? SQLRow.decode(JSONValue.self, from: text)) ?? .string(text)
                case .text(let text): .string(text)
                }
        }
        return .object(object)
    }
}
