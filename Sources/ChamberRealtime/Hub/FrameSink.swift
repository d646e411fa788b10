import NIOCore

/// Where a connection's frames go: the transport's channel, written directly on its event loop.
///
/// Every method except `eventLoop` is called on `eventLoop` only. The transport tells the connection when the
/// channel's writability changes (``ClientConnection/writabilityChanged(_:)``).
public protocol FrameSink: AnyObject, Sendable {
    var eventLoop: any EventLoop { get }
    /// Whether the channel takes more bytes without queueing past its watermark.
    var isWritable: Bool { get }
    /// Writes one text frame (not flushed).
    func write(_ frame: ByteBuffer)
    func flush()
    /// Drops the connection at once, without a close handshake (a slow consumer).
    func abort()
}
