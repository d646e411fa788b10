import ChamberDomain
import ChamberTestSupport
import Foundation
import Testing

@testable import ChamberStorage

/// Sends stored by group commit, on both databases: sequences, retries and refusals inside and across batches.
@Suite("Message batches")
struct MessageBatchTests {
    static let now = StoreSuiteTests.now

    static func channel(in chamber: Chamber, by user: User, store: SQLStore) async throws -> Channel {
        let channel = Channel(id: .generate(), chamberID: chamber.id, kind: .group, name: unique("room"), createdBy: user.id, createdAt: now)
        try await store.scoped(to: chamber.id).chat.channels.create(
            channel, members: [ChannelMember(channelID: channel.id, userID: user.id, role: .owner, joinedAt: now)], directKey: nil)
        return channel
    }

    /// A store on `db` with Ada's chamber and one room of hers.
    static func room(on db: any SQLDatabase) async throws -> (SQLStore, User, Chamber, Channel) {
        let store = SQLStore(database: db, fields: .testing)
        let ada = try await StoreSuiteTests.user("ada", in: store)
        let chamber = try await StoreSuiteTests.chamber(ada, in: store)
        return (store, ada, chamber, try await channel(in: chamber, by: ada, store: store))
    }

    static func draft(_ chamber: Chamber, _ channel: ChannelID, _ sender: User, _ clientID: String, _ body: String? = nil) -> Message {
        Message(
            id: .generate(), chamberID: chamber.id, channelID: channel, seq: 0, senderID: sender.id, clientMessageID: clientID,
            body: body ?? "hello \(clientID)", replyTo: nil, mentions: [], attachments: [], data: nil, createdAt: now)
    }

    @Test("one batch: gapless sequences per channel in queue order, a repeat answered once, a missing channel refused alone")
    func oneBatch() async throws {
        for backend in TestBackend.enabled {
            try await backend.withDatabase { (db) async throws -> Void in
                let store = SQLStore(database: db, fields: .testing)
                let ada = try await StoreSuiteTests.user("ada", in: store)
                let chamber = try await StoreSuiteTests.chamber(ada, in: store)
                let red = try await Self.channel(in: chamber, by: ada, store: store)
                let blue = try await Self.channel(in: chamber, by: ada, store: store)
                let drafts = [
                    Self.draft(chamber, red.id, ada, "r1"), Self.draft(chamber, blue.id, ada, "b1"), Self.draft(chamber, red.id, ada, "r2"),
                    Self.draft(chamber, red.id, ada, "r1", "the same send again"), Self.draft(chamber, .generate(), ada, "lost"),
                    Self.draft(chamber, blue.id, ada, "b2"),
                ]
                let answers = await MessageAppendBatch.store(drafts, in: db)
                func event(_ index: Int) -> ChannelEvent? {
                    if case .success(.appended(let event)) = answers[index] { return event }
                    return nil
                }
                #expect([0, 1, 2, 5].map { event($0)?.seq } == [1, 1, 2, 2])
                #expect(try answers[3].get() == .duplicate(try #require(event(0)).message!))
                #expect(throws: ChamberError(.channelNotFound, "no channel \(drafts[4].channelID)")) { try answers[4].get() }
                let history = try await store.scoped(to: chamber.id).chat.messages.history(red.id, before: nil, after: nil, limit: 10)
                #expect(history.map(\.clientMessageID) == ["r1", "r2"])
                #expect(history.first?.body == "hello r1", "the repeat stored nothing")
                let events = try await store.scoped(to: chamber.id).chat.messages.events(blue.id, after: 0, limit: 10)
                #expect(events.map(\.seq) == [1, 2])
                #expect(try await store.scoped(to: chamber.id).chat.channels.find(id: red.id)?.lastSeq == 2)
            }
        }
    }

    @Test("a send under a held send's client message id is answered heldBefore and stores nothing; the held message itself, approved, is stored")
    func heldBefore() async throws {
        for backend in TestBackend.enabled {
            try await backend.withDatabase { (db) async throws -> Void in
                let (store, ada, chamber, room) = try await Self.room(on: db)
                let messages = store.scoped(to: chamber.id).chat.messages
                let held = Self.draft(chamber, room.id, ada, "h1", "held for review")
                #expect(try await messages.hold(held, rule: "word_list", reason: "a blocked word") != nil)

                let answers = await MessageAppendBatch.store(
                    [Self.draft(chamber, room.id, ada, "h1", "the same send, cleaned"), Self.draft(chamber, room.id, ada, "n1")], in: db)
                #expect(try answers[0].get() == .heldBefore)
                #expect(try answers[1].get().message.seq == 1, "the held send took no sequence number")

                // Approving publishes the held message under its own id and client message id.
                let approved = await MessageAppendBatch.store([held], in: db)
                #expect(try approved[0].get().message.seq == 2)
                let history = try await messages.history(room.id, before: nil, after: nil, limit: 10)
                #expect(history.map(\.body) == ["hello n1", "held for review"])
            }
        }
    }

    @Test("an approval that could not be carried out goes back to the queue; a decision made since is left alone")
    func reopen() async throws {
        for backend in TestBackend.enabled {
            try await backend.withDatabase { (db) async throws -> Void in
                let (store, ada, chamber, room) = try await Self.room(on: db)
                let bob = try await StoreSuiteTests.user("bob", in: store)
                let scope = store.scoped(to: chamber.id)
                let item = try #require(try await scope.messages.hold(Self.draft(chamber, room.id, ada, "h1"), rule: "word_list", reason: "a word"))
                let decidedAt = Self.now.addingTimeInterval(60)

                _ = try await scope.moderation.decide(item.id, state: .approved, by: bob.id, at: decidedAt, note: nil)
                try await scope.moderation.reopen(item.id, decidedBy: bob.id, at: decidedAt)
                let reopened = try #require(try await scope.moderation.item(id: item.id))
                #expect(reopened.state == .pending && reopened.decidedBy == nil)

                // Decided again by someone else: the first approver's undo no longer applies.
                _ = try await scope.moderation.decide(item.id, state: .rejected, by: ada.id, at: decidedAt, note: "no")
                try await scope.moderation.reopen(item.id, decidedBy: bob.id, at: decidedAt)
                #expect(try await scope.moderation.item(id: item.id)?.state == .rejected)
            }
        }
    }

    @Test("many concurrent sends over channels and chambers: each answered, sequences gapless, retries never doubled")
    func concurrent() async throws {
        for backend in TestBackend.enabled {
            try await backend.withDatabase { (db) async throws -> Void in
                let store = SQLStore(database: db, fields: .testing, batchLimits: .init(maxCount: 16))
                let ada = try await StoreSuiteTests.user("ada", in: store)
                let bob = try await StoreSuiteTests.user("bob", in: store)
                let first = try await StoreSuiteTests.chamber(ada, in: store)
                let second = try await StoreSuiteTests.chamber(bob, in: store)
                let rooms = [
                    (first, ada, try await Self.channel(in: first, by: ada, store: store)),
                    (first, ada, try await Self.channel(in: first, by: ada, store: store)),
                    (second, bob, try await Self.channel(in: second, by: bob, store: store)),
                ]
                // Every send twice (a retry racing its original), 40 per room.
                let outcomes = try await withThrowingTaskGroup(of: (String, AppendOutcome).self) { group in
                    for (chamber, sender, room) in rooms {
                        for n in 0..<40 {
                            for _ in 0..<2 {
                                group.addTask {
                                    let key = "\(room.id)-\(n)"
                                    return (
                                        key,
                                        try await store.scoped(to: chamber.id).chat.messages.append(Self.draft(chamber, room.id, sender, "m\(n)"))
                                    )
                                }
                            }
                        }
                    }
                    var all: [(String, AppendOutcome)] = []
                    for try await outcome in group { all.append(outcome) }
                    return all
                }
                #expect(outcomes.count == 240)
                let appended = outcomes.filter { if case .appended = $0.1 { true } else { false } }
                #expect(appended.count == 120, "each send stored once, its retry answered with it")
                for (chamber, _, room) in rooms {
                    let events = try await store.scoped(to: chamber.id).chat.messages.events(room.id, after: 0, limit: 100)
                    #expect(events.map(\.seq) == Array(1...40), "gapless")
                    #expect(Set(events.compactMap { $0.message?.clientMessageID }).count == 40)
                }
                // Both answers to a send and its retry name the same stored message.
                var byKey: [String: Set<MessageID>] = [:]
                for (key, outcome) in outcomes { byKey[key, default: []].insert(try outcome.message.id) }
                #expect(byKey.values.allSatisfy { $0.count == 1 })
            }
        }
    }

    @Test("a batch whose transaction fails answers every send in it with the error and stores none of them")
    func failedBatch() async throws {
        for backend in TestBackend.enabled {
            try await backend.withDatabase { (db) async throws -> Void in
                let (store, ada, chamber, room) = try await Self.room(on: db)
                let first = Self.draft(chamber, room.id, ada, "first")
                _ = try await MessageAppendBatch.store([first], in: db)[0].get()
                // A message id used twice makes the insert fail inside the transaction, after the sequence was raised.
                let innocent = Self.draft(chamber, room.id, ada, "innocent")
                var clash = Self.draft(chamber, room.id, ada, "clash")
                clash = Message(
                    id: first.id, chamberID: clash.chamberID, channelID: clash.channelID, seq: 0, senderID: clash.senderID,
                    clientMessageID: clash.clientMessageID, body: clash.body, replyTo: nil, mentions: [], attachments: [], data: nil,
                    createdAt: clash.createdAt)
                let answers = await MessageAppendBatch.store([innocent, clash], in: db)
                #expect(answers.allSatisfy { if case .failure = $0 { true } else { false } }, "no partial acknowledgement")
                let history = try await store.scoped(to: chamber.id).chat.messages.history(room.id, before: nil, after: nil, limit: 10)
                #expect(history.map(\.clientMessageID) == ["first"], "nothing of the failed batch is stored")
                #expect(try await store.scoped(to: chamber.id).chat.channels.find(id: room.id)?.lastSeq == 1, "its sequence numbers are given back")
                // The next batch goes on from there.
                let next = try await MessageAppendBatch.store([innocent], in: db)[0].get()
                guard case .appended(let event) = next else {
                    Issue.record("expected the retried send to be stored, got \(next)")
                    return
                }
                #expect(event.seq == 2)
            }
        }
    }

    @Test("a scope refuses a message of another chamber before anything is queued")
    func wrongChamber() async throws {
        try await TestBackend.sqlite.withDatabase { (db) async throws -> Void in
            let store = SQLStore(database: db, fields: .testing)
            let ada = try await StoreSuiteTests.user("ada", in: store)
            let mine = try await StoreSuiteTests.chamber(ada, in: store)
            let bob = try await StoreSuiteTests.user("bob", in: store)
            let theirs = try await StoreSuiteTests.chamber(bob, in: store)
            let room = try await Self.channel(in: theirs, by: bob, store: store)
            await #expect(throws: ChamberError.self) {
                try await store.scoped(to: mine.id).chat.messages.append(Self.draft(theirs, room.id, bob, "x"))
            }
            #expect(try await store.scoped(to: theirs.id).chat.messages.events(room.id, after: 0, limit: 10).isEmpty)
        }
    }
}

extension ChannelEvent {
    fileprivate var message: Message? {
        if case .message(let message) = body { return message }
        return nil
    }
}

extension AppendOutcome {
    /// The message stored or found; a held send has none.
    fileprivate var message: Message {
        get throws {
            switch self {
            case .appended(let event): try #require(event.message)
            case .duplicate(let message): message
            case .heldBefore: throw ChamberError(.internalError, "the send was held before: no message")
            }
        }
    }
}
