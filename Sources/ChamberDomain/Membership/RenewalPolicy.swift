import Foundation

/// When a chamber's memberships renew.
public enum RenewalPolicy: Sendable, Equatable, Codable {
    /// Each membership renews on the date it joined (its own paid-through date rolls on by one period).
    case anniversary
    /// Every membership renews on the same day (`month`, `day`), e.g. January 1; a first period is prorated to it.
    case fixed(month: Int, day: Int)

    /// `anniversary` or `MM-DD`, as settings spell it.
    public var wireValue: String {
        switch self {
        case .anniversary: "anniversary"
        case .fixed(let month, let day): String(format: "%02d-%02d", month, day)
        }
    }

    /// Parses ``wireValue``; nil for anything else (a day the month does not have included).
    public init?(wireValue: String) {
        if wireValue == "anniversary" {
            self = .anniversary
            return
        }
        let parts = wireValue.split(separator: "-")
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 }), let month = Int(parts[0]), let day = Int(parts[1]),
            (1...12).contains(month), (1...DuesCalendar.daysInMonth(month)).contains(day)
        else { return nil }
        self = .fixed(month: month, day: day)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let policy = RenewalPolicy(wireValue: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "renewal '\(text)'"))
        }
        self = policy
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wireValue)
    }
}
