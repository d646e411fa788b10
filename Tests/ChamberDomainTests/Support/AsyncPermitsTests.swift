import ChamberDomain
import Synchronization
import Testing

@Suite("AsyncPermits: a provider's concurrency limit shared by every batch")
struct AsyncPermitsTests {
    final class Tally: Sendable {
        let holding = Mutex(0)
        let most = Mutex(0)
        let done = Mutex(0)
        let order = Mutex<[Int]>([])
    }

    @Test("never more holders than permits; every waiter gets one in the end", arguments: [1, 3, 16])
    func bounded(permits count: Int) async {
        let permits = AsyncPermits(count)
        let tally = Tally()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<40 {
                group.addTask {
                    await permits.acquire()
                    let now = tally.holding.withLock { holding in
                        holding += 1
                        return holding
                    }
                    tally.most.withLock { $0 = max($0, now) }
                    await Task.yield()
                    tally.holding.withLock { $0 -= 1 }
                    tally.done.withLock { $0 += 1 }
                    permits.release()
                }
            }
        }
        #expect(tally.most.withLock { $0 } <= count)
        #expect(tally.done.withLock { $0 } == 40)
    }

    @Test("a released permit goes to the longest waiter")
    func inOrder() async throws {
        let permits = AsyncPermits(1)
        await permits.acquire()
        let tally = Tally()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for waiter in 0..<3 {
                group.addTask {
                    await permits.acquire()
                    tally.order.withLock { $0.append(waiter) }
                    permits.release()
                }
                // Each waiter queued before the next starts.
                try await Task.sleep(for: .milliseconds(20))
            }
            permits.release()
            try await group.waitForAll()
        }
        #expect(tally.order.withLock { $0 } == [0, 1, 2])
    }
}
