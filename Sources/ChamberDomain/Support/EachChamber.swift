import Foundation

/// Runs a job over every chamber, a page at a time: one chamber that fails does not hold up the others, and the
/// first failure is thrown once all had their turn. Returns the sum of what `work` returned (what it changed).
func eachChamber(in store: any Store, _ work: (Chamber) async throws -> Int) async throws -> Int {
    var total = 0
    var failure: (any Error)?
    var page = PageRequest(limit: 100)
    while true {
        let chambers = try await store.chambers.list(page: page)
        for chamber in chambers.items {
            do {
                total += try await work(chamber)
            } catch {
                failure = failure ?? error
            }
        }
        guard chambers.nextCursor != nil else { break }
        page = PageRequest(limit: page.limit, offset: page.offset + page.limit)
    }
    if let failure { throw failure }
    return total
}
