import Foundation

/// A line of the chamber's category list, NAICS-style (`Config/membership/categories.json`): businesses pick one as
/// they apply, and the directory is searched by it.
public struct BusinessCategory: Sendable, Equatable, Codable {
    /// The NAICS code (`722`, `44-45`).
    public let code: String
    public let name: String

    public init(code: String, name: String) {
        self.code = code
        self.name = name
    }
}
