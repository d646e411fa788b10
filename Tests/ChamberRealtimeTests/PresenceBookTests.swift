import ChamberDomain
import Testing

@testable import ChamberRealtime

/// Presence across the cluster as a value: local connections, versioned deltas and snapshots from other nodes, and
/// what changes are announced.
@Suite("Presence book")
struct PresenceBookTests {
    static let chamber = ChamberID.generate()
    static let ada = UserID.generate()
    static let bob = UserID.generate()

    static func entry(_ user: UserID, _ status: PresenceStatus) -> ClusterMessage.PresenceEntry {
        ClusterMessage.PresenceEntry(chamber: chamber.rawValue, user: user.rawValue, status: status.rawValue)
    }

    @Test("a user is online if any connection is, away if all are, offline with none; each change is announced once")
    func local() {
        var book = PresenceBook()
        book.update(Self.chamber, Self.ada, connection: 1, status: .online)
        #expect(book.status(of: Self.ada, in: Self.chamber) == .online && book.pending[Self.chamber]?[Self.ada] == .online)
        book.pending = [:]
        book.update(Self.chamber, Self.ada, connection: 2, status: .away)
        #expect(book.status(of: Self.ada, in: Self.chamber) == .online && book.pending.isEmpty, "one connection still online")
        book.update(Self.chamber, Self.ada, connection: 1, status: nil)
        #expect(book.status(of: Self.ada, in: Self.chamber) == .away && book.pending[Self.chamber]?[Self.ada] == .away)
        book.update(Self.chamber, Self.ada, connection: 2, status: nil)
        #expect(book.status(of: Self.ada, in: Self.chamber) == .offline && book.connections.isEmpty)
        #expect(book.localPending[Self.chamber]?[Self.ada] == .offline, "the other nodes are told this node's share")
    }

    @Test(
        "deltas apply in version order; a skipped version asks for a snapshot; an old one is stale",
        arguments: [
            ([1, 2, 3], [PresenceBook.RemoteOutcome.applied, .applied, .applied]),
            ([1, 3], [.applied, .needsSnapshot]),
            ([2, 1], [.needsSnapshot, .stale]),
            ([1, 1], [.applied, .stale]),
        ] as [([Int64], [PresenceBook.RemoteOutcome])])
    func deltas(_ versions: [Int64], _ outcomes: [PresenceBook.RemoteOutcome]) {
        var book = PresenceBook()
        _ = book.applyRemote(node: "b", version: 0, entries: [], snapshot: true)
        #expect(versions.map { book.applyRemote(node: "b", version: $0, entries: [Self.entry(Self.ada, .online)], snapshot: false) } == outcomes)
    }

    @Test("a delta from a node never heard of asks for its snapshot; a snapshot replaces what the node had")
    func snapshots() {
        var book = PresenceBook()
        #expect(book.applyRemote(node: "b", version: 4, entries: [Self.entry(Self.ada, .online)], snapshot: false) == .needsSnapshot)
        #expect(
            book.applyRemote(node: "b", version: 4, entries: [Self.entry(Self.ada, .online), Self.entry(Self.bob, .away)], snapshot: true) == .applied
        )
        #expect(book.status(of: Self.ada, in: Self.chamber) == .online && book.status(of: Self.bob, in: Self.chamber) == .away)
        #expect(book.applyRemote(node: "b", version: 3, entries: [], snapshot: true) == .stale)
        book.pending = [:]
        #expect(book.applyRemote(node: "b", version: 5, entries: [Self.entry(Self.bob, .online)], snapshot: true) == .applied)
        #expect(book.status(of: Self.ada, in: Self.chamber) == .offline && book.status(of: Self.bob, in: Self.chamber) == .online)
        #expect(book.pending[Self.chamber] == [Self.ada: .offline, Self.bob: .online])
    }

    @Test("a node that goes away takes its users offline, unless they are connected elsewhere")
    func nodeGone() {
        var book = PresenceBook()
        _ = book.applyRemote(node: "b", version: 1, entries: [Self.entry(Self.ada, .online), Self.entry(Self.bob, .online)], snapshot: true)
        book.update(Self.chamber, Self.bob, connection: 7, status: .away)
        book.pending = [:]
        book.removeRemote(node: "b")
        #expect(book.status(of: Self.ada, in: Self.chamber) == .offline && book.status(of: Self.bob, in: Self.chamber) == .away)
        #expect(book.pending[Self.chamber] == [Self.ada: .offline, Self.bob: .away])
    }
}
