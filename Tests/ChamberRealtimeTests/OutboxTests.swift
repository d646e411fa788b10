import NIOCore
import Testing

@testable import ChamberRealtime

/// A connection's outbox as a table: bounded in bytes, drained whole, closed for good.
@Suite("Outbox")
struct OutboxTests {
    static func frame(_ bytes: Int) -> ByteBuffer { ByteBuffer(repeating: 0x61, count: bytes) }

    @Test(
        "frames queue up to the byte limit; past it the connection overflows; closed drops",
        arguments: [
            ([40, 40], 100, [Outbox.EnqueueResult.queued, .queued], 80),
            ([40, 40, 30], 100, [.queued, .queued, .overflow], 80),
            ([100], 100, [.queued], 100),
            ([101], 100, [.overflow], 0),
            ([10, 95, 10], 100, [.queued, .overflow, .queued], 20),
        ] as [([Int], Int, [Outbox.EnqueueResult], Int)])
    func enqueue(_ sizes: [Int], _ limit: Int, _ expected: [Outbox.EnqueueResult], _ bytes: Int) {
        var outbox = Outbox(limit: limit)
        #expect(sizes.map { outbox.enqueue(Self.frame($0)) } == expected)
        #expect(outbox.bytes == bytes)
    }

    @Test("drain hands back everything in order and empties the box; close drops what waits and refuses more")
    func drainAndClose() {
        var outbox = Outbox(limit: 1_000)
        for size in [1, 2, 3] { _ = outbox.enqueue(Self.frame(size)) }
        #expect(outbox.drain().map(\.readableBytes) == [1, 2, 3])
        #expect(outbox.frames.isEmpty && outbox.bytes == 0)
        _ = outbox.enqueue(Self.frame(5))
        #expect(outbox.close() == 1)
        #expect(outbox.enqueue(Self.frame(1)) == .closed && outbox.bytes == 0)
    }
}
