import NIOCore

/// The frames waiting to be written to one connection, bounded in bytes.
///
/// A pure value: the connection owns it under a lock. Frames wait here only while the channel is not writable;
/// when it is again they all go out with one flush, so a connection that falls behind gets fewer, larger writes.
struct Outbox {
    enum EnqueueResult: Equatable {
        /// Queued until the channel is writable again.
        case queued
        /// The queue would pass its byte limit: the connection must be closed as a slow consumer.
        case overflow
        /// The connection is closing; the frame was dropped.
        case closed
    }

    let limit: Int
    private(set) var frames: [ByteBuffer] = []
    private(set) var bytes = 0
    private(set) var isClosed = false

    init(limit: Int) {
        self.limit = limit
    }

    mutating func enqueue(_ frame: ByteBuffer) -> EnqueueResult {
        guard !isClosed else { return .closed }
        guard bytes + frame.readableBytes <= limit else { return .overflow }
        frames.append(frame)
        bytes += frame.readableBytes
        return .queued
    }

    /// Everything queued, oldest first; the queue is empty afterwards.
    mutating func drain() -> [ByteBuffer] {
        defer {
            frames.removeAll(keepingCapacity: true)
            bytes = 0
        }
        return frames
    }

    /// Stops accepting frames and drops what is queued (returns how many were dropped).
    @discardableResult
    mutating func close() -> Int {
        isClosed = true
        let dropped = frames.count
        frames = []
        bytes = 0
        return dropped
    }
}
