import Foundation
import Synchronization
import Testing

@testable import ChamberDomain

/// The directory's answer cache: answers kept per revision, scope and query, within a budget of businesses
/// (``GenerationalCache``: what is read often kept longest, nothing at a budget of zero), one search at a time.
@Suite("Directory answer cache")
struct DirectorySearchCacheTests {
    static func key(_ words: String, revision: Int64 = 1, scope: DirectorySearchScope = .namesAndFields(.members)) -> DirectorySearchCache.Key {
        DirectorySearchCache.Key(
            chamberID: ChamberID("c"), revision: revision, scope: scope,
            query: try! DirectoryQuery(text: words, category: nil, sort: nil, page: PageRequest()))
    }

    static func page(_ businesses: Int) -> Page<Business> {
        Page(
            fetched: (0..<businesses).map {
                Business(
                    id: BusinessID("b\($0)"), chamberID: ChamberID("c"), ownerUserID: nil, legalName: "Business \($0)",
                    createdAt: Date(timeIntervalSince1970: 0))
            }, request: PageRequest(limit: 200))
    }

    enum Step {
        case keep(String, businesses: Int)
        case read(String, found: Bool)
    }

    @Test(
        "kept within the budget, two generations",
        arguments: [
            // Budget 10: each generation holds 5 businesses.
            ("an answer is read back", 10, [Step.keep("a", businesses: 2), .read("a", found: true), .read("b", found: false)]),
            (
                "a full generation becomes the older; both are read", 10,
                [.keep("a", businesses: 3), .keep("b", businesses: 3), .read("a", found: true), .read("b", found: true)]
            ),
            (
                "the older generation is dropped when the newer fills again", 10,
                [.keep("a", businesses: 3), .keep("b", businesses: 3), .keep("c", businesses: 3), .read("a", found: false), .read("c", found: true)]
            ),
            (
                "an answer read from the older generation survives the next turn", 10,
                [.keep("a", businesses: 3), .keep("b", businesses: 3), .read("a", found: true), .keep("c", businesses: 3), .read("a", found: true)]
            ),
            ("an answer bigger than a generation is not kept", 10, [.keep("a", businesses: 6), .read("a", found: false)]),
            ("an empty answer is kept", 10, [.keep("a", businesses: 0), .read("a", found: true)]),
            ("a budget of zero keeps nothing", 0, [.keep("a", businesses: 0), .read("a", found: false)]),
        ])
    func generations(_ name: String, budget: Int, steps: [Step]) {
        // What the directory's answers are kept in, each costing its businesses.
        let cache = GenerationalCache<String, Page<Business>>(budget: budget) { $0.items.count }
        for (index, step) in steps.enumerated() {
            switch step {
            case .keep(let words, let businesses): cache.keep(Self.page(businesses), for: words)
            case .read(let words, let found): #expect((cache.value(for: words) != nil) == found, "\(name), step \(index)")
            }
        }
    }

    final class Counter: Sendable {
        let searches = Mutex(0)
    }

    @Test("readers asking the same at once share one search; without a budget each searches")
    func oneSearchAtATime() async throws {
        for (budget, searches) in [(100, 1), (0, 20)] {
            let cache = DirectorySearchCache(businesses: budget)
            let counted = Counter()
            let pages = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        try await cache.answer(for: Self.key("tavern")) {
                            counted.searches.withLock { $0 += 1 }
                            try await Task.sleep(for: .milliseconds(20))
                            return Self.page(2)
                        }.items.count
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(pages == Array(repeating: 2, count: 20))
            #expect(counted.searches.withLock { $0 } == searches, "budget \(budget)")
        }
    }

    @Test("an answer is only read for its own revision, scope and query")
    func keys() async throws {
        let cache = DirectorySearchCache(businesses: 100)
        let counted = Counter()
        func searches(_ key: DirectorySearchCache.Key) async throws -> Int {
            let before = counted.searches.withLock { $0 }
            _ = try await cache.answer(for: key) {
                counted.searches.withLock { $0 += 1 }
                return Self.page(2)
            }
            return counted.searches.withLock { $0 } - before
        }
        #expect(try await searches(Self.key("tavern")) == 1)
        #expect(try await searches(Self.key("tavern")) == 0, "kept")
        #expect(try await searches(Self.key("tavern", revision: 2)) == 1, "the directory changed")
        #expect(try await searches(Self.key("tavern", scope: .names)) == 1, "another reader's scope")
        #expect(try await searches(Self.key("tavern", scope: .namesAndFields(.public))) == 1)
        #expect(try await searches(Self.key("taverns")) == 1)
    }

    @Test(
        "a reader's scope: names only for the public of a chamber without a public directory",
        arguments: [
            (DirectoryAudience.public, true, DirectorySearchScope.namesAndFields(.public)),
            (.public, false, .names),
            (.members, false, .namesAndFields(.members)),
            (.staff, false, .namesAndFields(.staff)),
        ])
    func scope(_ reader: DirectoryAudience, publicDirectory: Bool, expected: DirectorySearchScope) {
        var settings = ChamberSettings()
        settings.publicDirectory = publicDirectory
        #expect(DirectorySearchScope(reader, in: settings) == expected)
    }
}
