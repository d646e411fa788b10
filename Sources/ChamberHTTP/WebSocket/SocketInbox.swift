import NIOCore
import Synchronization

/// What a hub socket has received and its session has not handled yet, in order.
///
/// The socket's event loop adds; one worker task takes, one message at a time, and exists only while messages wait
/// (``push(_:)`` says when to start it, ``next()`` ends it). The worker goes from one message to the next without
/// returning to the event loop, so a busy loop (a fan-out to thousands of sockets) never stands between a member's
/// sends. Past `limit` waiting messages the socket stops reading, and TCP pushes back on the client.
final class SocketInbox: Sendable {
    enum Message: Sendable {
        case text(ByteBuffer)
        case binary
    }

    private struct State {
        var messages: [Message] = []
        var head = 0
        var running = false
        var closed = false
        /// The socket stopped reading because too many messages waited.
        var readHeld = false
        var waiting: Int { messages.count - head }

        mutating func endWorker() {
            running = false
            messages.removeAll()
            head = 0
        }
    }

    let limit: Int
    private let state = Mutex(State())

    init(limit: Int) {
        self.limit = limit
    }

    /// Adds a message; true when no worker is running and the caller must start one.
    func push(_ message: Message) -> Bool {
        state.withLock { state in
            guard !state.closed else { return false }
            state.messages.append(message)
            guard !state.running else { return false }
            state.running = true
            return true
        }
    }

    /// The next message for the worker; nil when none waits (or the socket is closing). With `ending`, a nil also
    /// ends the worker (the next ``push(_:)`` starts another); without, the worker still runs and must end with
    /// ``endIfIdle()``.
    func next(ending: Bool = true) -> Message? {
        state.withLock { state in
            guard !state.closed, state.head < state.messages.count else {
                if ending { state.endWorker() }
                return nil
            }
            defer {
                state.head += 1
                // Compact now and then, so a busy socket does not keep every message it ever had.
                if state.head >= 32, state.head * 2 >= state.messages.count {
                    state.messages.removeFirst(state.head)
                    state.head = 0
                }
            }
            return state.messages[state.head]
        }
    }

    /// Ends the worker if no message waits (true), atomically with ``push(_:)``: a message pushed meanwhile is the
    /// worker's to take (false).
    func endIfIdle() -> Bool {
        state.withLock { state in
            guard state.closed || state.head >= state.messages.count else { return false }
            state.endWorker()
            return true
        }
    }

    /// Whether the socket may read now; if not, reads are held until ``resume()`` says otherwise.
    func mayRead() -> Bool {
        state.withLock { state in
            guard state.waiting >= limit else { return true }
            state.readHeld = true
            return false
        }
    }

    /// True once, when reads were held and the worker has caught up below the limit.
    func resume() -> Bool {
        state.withLock { state in
            guard state.readHeld, state.waiting < limit else { return false }
            state.readHeld = false
            return true
        }
    }

    /// The socket is closing: what waits is dropped and nothing more is taken; reads are no longer held (the socket
    /// reads again, so the peer's close frame gets through).
    func close() {
        state.withLock { state in
            state.closed = true
            state.messages.removeAll()
            state.head = 0
            state.readHeld = false
        }
    }

    /// Whether the socket stopped reading because messages wait (the peer is not silent, the worker is behind).
    var isHoldingReads: Bool { state.withLock { $0.readHeld } }
}
