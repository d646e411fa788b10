import ChamberTestSupport
import Synchronization
import Testing

@testable import ChamberStorage

/// The group-commit queue alone, with a store step that records its batches and can be held open.
@Suite("Group commit")
struct GroupCommitTests {
    /// A store step that answers `request * 10`, records each batch, and holds the batch whose first request is
    /// `held` until the gate opens.
    final class Recorder: Sendable {
        let batches = Mutex<[[Int]]>([])
        let gate = Gate()
        let held: Int?
        let failing: Bool

        init(holding held: Int? = nil, failing: Bool = false) {
            self.held = held
            self.failing = failing
        }

        func store(_ requests: [Int]) async -> [Result<Int, any Error>] {
            batches.withLock { $0.append(requests) }
            if requests.first == held { await gate.wait() }
            return requests.map { failing ? .failure(TestFailure()) : .success($0 * 10) }
        }
    }

    struct TestFailure: Error, Equatable {}

    /// Opens once; everything waiting goes on.
    actor Gate {
        private var open = false
        private var waiters: [CheckedContinuation<Void, Never>] = []

        func wait() async {
            guard !open else { return }
            await withCheckedContinuation { waiters.append($0) }
        }

        func openUp() {
            open = true
            for waiter in waiters { waiter.resume() }
            waiters = []
        }
    }

    @Test("a lone request is stored at once, alone")
    func lone() async throws {
        let recorder = Recorder()
        let commit = GroupCommit<Int, Int>(bytes: { _ in 1 }, store: recorder.store)
        #expect(try await commit.submit(7) == 70)
        #expect(try await commit.submit(8) == 80)
        #expect(recorder.batches.withLock { $0 } == [[7], [8]])
    }

    @Test(
        "what queues while a batch is stored goes together in the next, within the limits",
        arguments: [
            // (max count, max bytes, bytes per request, expected sizes of the batches after the held one)
            (256, 1 << 20, 1, [6]),
            (2, 1 << 20, 1, [2, 2, 2]),
            (256, 10, 4, [2, 2, 2]),
            // A request larger than the byte bound still goes, alone.
            (256, 3, 4, [1, 1, 1, 1, 1, 1]),
        ])
    func batching(_ limits: (Int, Int, Int, [Int])) async throws {
        let (maxCount, maxBytes, size, expected) = limits
        let recorder = Recorder(holding: 0)
        let commit = GroupCommit<Int, Int>(limits: .init(maxCount: maxCount, maxBytes: maxBytes), bytes: { _ in size }, store: recorder.store)
        try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            group.addTask { (0, try await commit.submit(0)) }
            try await eventually("the first batch is being stored", timeout: .seconds(120)) { recorder.batches.withLock { $0.count } == 1 }
            for request in 1...6 { group.addTask { (request, try await commit.submit(request)) } }
            try await eventually("six requests wait", timeout: .seconds(120)) { commit.waiting == 6 }
            await recorder.gate.openUp()
            for try await (request, answer) in group { #expect(answer == request * 10) }
        }
        let batches = recorder.batches.withLock { $0 }
        #expect(batches.first == [0])
        #expect(batches.dropFirst().map(\.count) == expected)
        #expect(Set(batches.dropFirst().flatMap { $0 }) == Set(1...6), "each request stored once")
        #expect(commit.waiting == 0)
    }

    @Test("a failed batch answers every request in it with the error, and the next batch is stored")
    func failure() async throws {
        let failing = Recorder(failing: true)
        let commit = GroupCommit<Int, Int>(bytes: { _ in 1 }, store: failing.store)
        await #expect(throws: TestFailure()) { try await commit.submit(1) }
        await #expect(throws: TestFailure()) { try await commit.submit(2) }
        #expect(failing.batches.withLock { $0 } == [[1], [2]])
    }

    @Test("a store step that answers too few leaves nobody waiting")
    func missingAnswers() async throws {
        let commit = GroupCommit<Int, Int>(bytes: { _ in 1 }) { _ in [] }
        await #expect(throws: StorageError.batchAnswerMissing) { try await commit.submit(1) }
        #expect(commit.waiting == 0)
    }
}

extension GroupCommitTests {
    @Test("requests queued before anyone collects go in one batch, in queue order; the others' answers wait to be collected")
    func pipelined() async throws {
        let recorder = Recorder()
        let commit = GroupCommit<Int, Int>(bytes: { _ in 1 }, store: recorder.store)
        let tickets = [1, 2, 3].map(commit.enqueue)
        #expect(commit.waiting == 3)
        #expect(try await commit.answer(tickets[2]) == 30, "the last one collected first stores the batch")
        #expect(try await commit.answer(tickets[0]) == 10)
        #expect(try await commit.answer(tickets[1]) == 20)
        #expect(recorder.batches.withLock { $0 } == [[1, 2, 3]])
    }

    @Test("a collector whose request is beyond the first batch stores batches until its own is stored")
    func beyondTheFirstBatch() async throws {
        let recorder = Recorder()
        let commit = GroupCommit<Int, Int>(limits: .init(maxCount: 2), bytes: { _ in 1 }, store: recorder.store)
        let tickets = (1...5).map(commit.enqueue)
        #expect(try await commit.answer(tickets[4]) == 50)
        #expect(recorder.batches.withLock { $0 } == [[1, 2], [3, 4], [5]])
        for (n, ticket) in tickets.prefix(4).enumerated() { #expect(try await commit.answer(ticket) == (n + 1) * 10) }
    }
}
