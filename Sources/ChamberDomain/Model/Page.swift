/// A page request: how many, and from where (an opaque cursor from the previous page).
public struct PageRequest: Sendable, Hashable {
    public static let maximumLimit = 200
    public let limit: Int
    /// Rows to skip; cursors are opaque to clients and encode this.
    public let offset: Int

    public init(limit: Int = 50, offset: Int = 0) {
        self.limit = max(1, min(limit, Self.maximumLimit))
        self.offset = max(0, offset)
    }

    /// Parses the `limit` and `cursor` query parameters.
    public init(limit: String?, cursor: String?) throws(ChamberError) {
        var parsedLimit = 50
        if let limit {
            guard let value = Int(limit), value >= 1, value <= Self.maximumLimit else {
                throw ChamberError(.validationFailed, "limit must be an integer from 1 to \(Self.maximumLimit)", field: "limit")
            }
            parsedLimit = value
        }
        var parsedOffset = 0
        if let cursor {
            guard cursor.hasPrefix("o"), let value = Int(cursor.dropFirst()), value >= 0 else {
                throw ChamberError(.invalidCursor, "cursor is not one this server issued", field: "cursor")
            }
            parsedOffset = value
        }
        self.init(limit: parsedLimit, offset: parsedOffset)
    }
}

/// One page of results and the cursor of the next page, if there is one.
public struct Page<Item: Sendable>: Sendable {
    public let items: [Item]
    public let nextCursor: String?

    /// Builds a page from a fetch of `limit + 1` rows: the extra row only says whether more exist.
    public init(fetched: [Item], request: PageRequest) {
        if fetched.count > request.limit {
            self.items = Array(fetched.prefix(request.limit))
            self.nextCursor = "o\(request.offset + request.limit)"
        } else {
            self.items = fetched
            self.nextCursor = nil
        }
    }

    /// Builds a page from a fetch of `limit + 1` rows whose next page starts after its last item, by the key `cursor`
    /// gives for it (nil: by offset).
    public init(fetched: [Item], request: PageRequest, cursor: (Item) -> String?) {
        let page = Page(fetched: fetched, request: request)
        self.items = page.items
        self.nextCursor = page.nextCursor.map { offset in page.items.last.flatMap(cursor) ?? offset }
    }

    public func map<T>(_ transform: (Item) throws -> T) rethrows -> Page<T> {
        Page<T>(items: try items.map(transform), nextCursor: nextCursor)
    }

    init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

extension Page {
    /// The items of every page `fetch` gives, at most `limit` of them, largest pages first: for exports and checks
    /// that need a whole list.
    public static func collect(upTo limit: Int = .max, _ fetch: (PageRequest) async throws -> Page<Item>) async throws -> [Item] {
        var items: [Item] = []
        while items.count < limit {
            let page = try await fetch(PageRequest(limit: PageRequest.maximumLimit, offset: items.count))
            items += page.items
            guard page.nextCursor != nil, !page.items.isEmpty else { break }
        }
        return Array(items.prefix(limit))
    }
}
