import ChamberDomain
import Dispatch
import Foundation
import Logging
import Synchronization

/// Counts requests across the cluster in Redis: a counter per key and minute (`INCR`, kept two minutes), so every
/// node sees the same count. A fixed window: at a minute's turn a client may get up to twice the rate in a moment.
///
/// While Redis is out of reach, each node counts on its own (``LocalRateCounter``) rather than refuse or wave
/// through every request; it tries Redis again after a few seconds. The hiredis connection blocks, so it lives on
/// a serial queue of its own, never on the cooperative pool.
public final class RedisRateCounter: RateCounter, @unchecked Sendable {
    private let endpoint: RedisEndpoint
    private let prefix: String
    private let fallback = LocalRateCounter()
    private let logger: Logger
    private let queue = DispatchQueue(label: "chamberconnect.redis-rate-counter")
    /// Touched on `queue` only.
    private var connection: RedisConnection?
    private var failedAt: Date?

    /// How long after a failure Redis is left alone.
    static let retryAfter: TimeInterval = 5

    public init(endpoint: RedisEndpoint, prefix: String, logger: Logger) {
        self.endpoint = endpoint
        self.prefix = prefix
        self.logger = logger
    }

    public func take(_ key: String, perMinute: Int, now: Date) async -> Int? {
        let seconds = Int64(now.timeIntervalSince1970.rounded(.down))
        let window = seconds / 60
        let counterKey = "\(prefix):rate:\(key):\(window)"
        let count: Int64? = await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: self.increment(counterKey, now: now)) }
        }
        guard let count else { return await fallback.take(key, perMinute: perMinute, now: now) }
        guard count > Int64(perMinute) else { return nil }
        return Int(max(1, 60 - seconds % 60))
    }

    /// On `queue`: the window's count after this request, or nil when Redis cannot be reached.
    private func increment(_ key: String, now: Date) -> Int64? {
        if let failedAt, now.timeIntervalSince(failedAt) < Self.retryAfter { return nil }
        do {
            let connection = try self.connection ?? RedisConnection(endpoint, connectTimeout: .milliseconds(500), ioTimeout: .seconds(1))
            self.connection = connection
            guard case .integer(let count) = try connection.command(["INCR", key]) else {
                throw RedisError(.protocolError, "INCR answered no integer")
            }
            if count == 1 { _ = try connection.command(["EXPIRE", key, "120"]) }
            failedAt = nil
            return count
        } catch {
            if failedAt == nil {
                logger.warning("redis rate counter unreachable; counting on this node", metadata: ["redis": "\(endpoint)", "error": "\(error)"])
            }
            connection = nil
            failedAt = now
            return nil
        }
    }
}
