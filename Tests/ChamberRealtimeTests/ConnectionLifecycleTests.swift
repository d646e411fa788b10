import NIOCore
import Testing

@testable import ChamberRealtime

/// A connection's outbound life as a table of events and the actions they return.
@Suite("Connection lifecycle")
struct ConnectionLifecycleTests {
    static func frame(_ bytes: Int = 10) -> ByteBuffer { ByteBuffer(repeating: 0x61, count: bytes) }

    @Test("writable and nothing waiting: written at once (dirty unless flushed with it); otherwise queued until writable")
    func writing() {
        var lifecycle = ConnectionLifecycle(outboundLimit: 100)
        #expect(lifecycle.enqueue(Self.frame(), flushing: false) == .write && lifecycle.takeDirty() && !lifecycle.takeDirty())
        #expect(lifecycle.enqueue(Self.frame(), flushing: true) == .write && !lifecycle.takeDirty())
        #expect(lifecycle.writabilityChanged(false).isEmpty)
        #expect(lifecycle.enqueue(Self.frame(), flushing: false) == .queued && lifecycle.enqueue(Self.frame(), flushing: false) == .queued)
        #expect(lifecycle.writabilityChanged(true).count == 2, "what waited goes out together")
        #expect(lifecycle.enqueue(Self.frame(), flushing: false) == .write)
    }

    @Test("past the bound while not writable the connection overflows; a slow consumer drops everything, then and after")
    func slowConsumer() {
        var lifecycle = ConnectionLifecycle(outboundLimit: 25)
        _ = lifecycle.writabilityChanged(false)
        #expect(
            [
                lifecycle.enqueue(Self.frame(), flushing: false), lifecycle.enqueue(Self.frame(), flushing: false),
                lifecycle.enqueue(Self.frame(), flushing: false),
            ] == [.queued, .queued, .overflow])
        #expect(lifecycle.close(.slowConsumer) == .abort && lifecycle.outbox.frames.isEmpty)
        #expect(lifecycle.enqueue(Self.frame(), flushing: false) == .drop && lifecycle.writabilityChanged(true).isEmpty)
        lifecycle.closed()
        #expect(lifecycle.phase == .closed(.slowConsumer) && lifecycle.closedCode == .slowConsumer)
    }

    @Test("a close writes what waits first; frames handed over before it still go; the first close wins; closed drops")
    func closing() {
        var lifecycle = ConnectionLifecycle(outboundLimit: 100)
        _ = lifecycle.writabilityChanged(false)
        _ = lifecycle.enqueue(Self.frame(), flushing: false)
        #expect(lifecycle.close(.banned) == .drainThenClose && lifecycle.phase == .closing(.banned))
        #expect(lifecycle.close(.goingAway) == .none && lifecycle.closeCode == .banned)
        #expect(lifecycle.enqueue(Self.frame(), flushing: false) == .queued, "sent before the close ran: still written")
        #expect(lifecycle.drainForClose().count == 2)
        lifecycle.closed()
        #expect(lifecycle.closedCode == .banned && lifecycle.enqueue(Self.frame(), flushing: false) == .drop)
    }

    @Test("overflowing while closing drops the connection at once: no frame skipped and a later one delivered")
    func overflowWhileClosing() {
        var lifecycle = ConnectionLifecycle(outboundLimit: 15)
        _ = lifecycle.writabilityChanged(false)
        _ = lifecycle.enqueue(Self.frame(), flushing: false)
        #expect(lifecycle.close(.goingAway) == .drainThenClose)
        #expect(lifecycle.enqueue(Self.frame(), flushing: false) == .overflow)
        #expect(lifecycle.close(.slowConsumer) == .abort && lifecycle.phase == .closing(.slowConsumer))
        #expect(lifecycle.enqueue(Self.frame(1), flushing: false) == .drop && lifecycle.drainForClose().isEmpty)
    }
}
