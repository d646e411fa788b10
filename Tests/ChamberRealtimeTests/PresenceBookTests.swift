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

extension PresenceBookTests {
    @Test("a flush takes each chamber's changes with its online count and this node's share as the next version, once")
    func flush() {
        var book = PresenceBook()
        book.update(Self.chamber, Self.ada, connection: 1, status: .online)
        book.update(Self.chamber, Self.bob, connection: 2, status: .away)
        let first = book.takeFlush()
        #expect(first.chambers.count == 1 && first.chambers[0].online == 2 && first.chambers[0].changes == [Self.ada: .online, Self.bob: .away])
        #expect(first.delta?.version == 1 && first.delta?.entries.count == 2)
        let empty = book.takeFlush()
        #expect(empty.chambers.isEmpty && empty.delta == nil && book.localVersion == 1, "nothing twice")
        book.update(Self.chamber, Self.bob, connection: 2, status: nil)
        #expect(book.takeFlush().delta?.version == 2)
    }

    @Test("online users page by id after the last one seen, whoever comes and goes")
    func paging() {
        var book = PresenceBook()
        let users = (0..<5).map { _ in UserID.generate() }.sorted()
        for (index, user) in users.enumerated() { book.update(Self.chamber, user, connection: UInt64(index), status: .online) }
        let first = book.onlinePage(in: Self.chamber, after: nil, limit: 2)
        #expect(first.users.map(\.0) == Array(users[0..<2]) && first.total == 5 && first.last == users[1])
        book.update(Self.chamber, users[0], connection: 0, status: nil)  // someone before the cursor leaves
        let second = book.onlinePage(in: Self.chamber, after: first.last, limit: 2)
        #expect(second.users.map(\.0) == Array(users[2..<4]) && second.last == users[3])
        let last = book.onlinePage(in: Self.chamber, after: second.last, limit: 2)
        #expect(last.users.map(\.0) == [users[4]] && last.last == nil)
    }
}
