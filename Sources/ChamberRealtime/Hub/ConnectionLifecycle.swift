import NIOCore

/// A connection's outbound side as a value: open, closing (what was queued is still written), closed.
///
/// Frames are written at once while the channel is writable and nothing waits; otherwise they wait in the
/// ``Outbox``, and past its bound the connection must be dropped as a slow consumer. Each event returns what the
/// connection must do; the connection does it outside its lock (a write may call back into it).
struct ConnectionLifecycle {
    enum Phase: Equatable {
        case open
        /// Closing with this code: frames handed over before the close are still written.
        case closing(CloseCode)
        /// Closed: the transport has been told.
        case closed(CloseCode)
    }

    enum EnqueueAction: Equatable {
        /// Write the frame to the channel now.
        case write
        /// It waits until the channel is writable again.
        case queued
        /// The outbox overflowed: close as a slow consumer.
        case overflow
        /// The connection is closed (or dropped as a slow consumer): the frame goes nowhere.
        case drop
    }

    enum CloseAction: Equatable {
        /// Closing already: nothing more to do.
        case none
        /// Drop the connection at once (a slow consumer; what waited is discarded).
        case abort
        /// Write what waits, then tell the transport.
        case drainThenClose
    }

    private(set) var phase = Phase.open
    private(set) var outbox: Outbox
    /// Mirrors the channel's writability.
    private(set) var writable = true
    /// Written since the last flush.
    private(set) var dirty = false

    init(outboundLimit: Int) {
        outbox = Outbox(limit: outboundLimit)
    }

    private var dropsFrames: Bool {
        switch phase {
        case .open: false
        case .closing(let code): code == .slowConsumer
        case .closed: true
        }
    }

    /// A frame for the connection; `flushing`: the caller flushes right after writing it.
    mutating func enqueue(_ frame: ByteBuffer, flushing: Bool) -> EnqueueAction {
        guard !dropsFrames else { return .drop }
        if writable, outbox.frames.isEmpty {
            dirty = !flushing
            return .write
        }
        switch outbox.enqueue(frame) {
        case .queued: return .queued
        case .overflow: return .overflow
        case .closed: return .drop
        }
    }

    /// Whether anything was written since the last flush (and now nothing is).
    mutating func takeDirty() -> Bool {
        defer { dirty = false }
        return dirty
    }

    /// The channel's writability changed; returns what waited, to be written at once and flushed.
    mutating func writabilityChanged(_ writable: Bool) -> [ByteBuffer] {
        self.writable = writable
        guard writable, !dropsFrames else { return [] }
        return outbox.drain()
    }

    /// Starts closing with `code` (the first close wins, but for a slow consumer: a connection that overflows while
    /// it closes is dropped at once, so it cannot skip one frame and receive the next).
    mutating func close(_ code: CloseCode) -> CloseAction {
        switch phase {
        case .open: break
        case .closing(let current) where code == .slowConsumer && current != .slowConsumer: break
        case .closing, .closed: return .none
        }
        phase = .closing(code)
        if code == .slowConsumer {
            outbox.close()
            return .abort
        }
        return .drainThenClose
    }

    /// What still waits, to be written before the transport closes.
    mutating func drainForClose() -> [ByteBuffer] {
        outbox.drain()
    }

    /// The close is done (what waited was written, or dropped for a slow consumer).
    mutating func closed() {
        if case .closing(let code) = phase { phase = .closed(code) }
    }

    var closeCode: CloseCode? {
        switch phase {
        case .open: nil
        case .closing(let code), .closed(let code): code
        }
    }

    var closedCode: CloseCode? {
        if case .closed(let code) = phase { return code }
        return nil
    }
}
