import Foundation

/// A directory search: words, an optional category, an order and a page.
public struct DirectoryQuery: Sendable, Hashable {
    public enum Sort: String, Sendable, CaseIterable {
        /// Best match first (names weigh most); by name without words.
        case relevance
        case name
        case newest
    }

    /// The words to find, each a prefix ("spring" finds "Springfield"), all required. Letters and digits only: the
    /// rest separates words.
    public let terms: [String]
    /// A category code of `Config/membership/categories.json` (digits, a range like `44-45`), exactly.
    public let category: String?
    public let sort: Sort
    public let page: PageRequest
    /// Where the page starts in name or age order (its ``PageRequest/offset`` is then 0); nil: at the offset.
    public let after: DirectoryCursor?

    /// Splits `text` into terms: at most 8 words of at most 40 characters, folded as ``SearchWords``. `after` must be
    /// of the query's order (`invalid_cursor`): a cursor of name order does not carry on a search by age or relevance.
    public init(text: String?, category: String?, sort: Sort?, page: PageRequest, after: DirectoryCursor? = nil) throws(ChamberError) {
        let words = SearchWords.split(text ?? "")
        guard words.count <= 8 else { throw ChamberError(.validationFailed, "at most 8 words", field: "q") }
        guard words.allSatisfy({ $0.count <= 40 }) else { throw ChamberError(.validationFailed, "words of at most 40 characters", field: "q") }
        terms = words
        self.category = category.flatMap { $0.isEmpty ? nil : $0 }
        if let category = self.category, category.count > 20 || !category.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-") }) {
            throw ChamberError(.validationFailed, "category is a category code, e.g. 722 or 44-45", field: "category")
        }
        self.sort = sort ?? (words.isEmpty ? .name : .relevance)
        self.page = page
        self.after = after
        if let after, after.order.rawValue != self.sort.rawValue {
            throw ChamberError(
                .invalidCursor, "this cursor carries on a directory in \(after.order.rawValue) order, not \(self.sort.rawValue)", field: "cursor")
        }
    }

    /// The cursor of the page after one that ends with a row of this `name`, made at `createdAt`, with this `id`: a key
    /// in name and age order, nil by relevance (the page's offset cursor stands).
    public func cursor(afterName name: String, createdAt: Date, id: String) -> DirectoryCursor? {
        switch sort {
        case .relevance: nil
        case .name: DirectoryCursor(order: .name, name: name, id: id)
        case .newest: DirectoryCursor(order: .newest, name: name, createdAt: createdAt, id: id)
        }
    }
}
