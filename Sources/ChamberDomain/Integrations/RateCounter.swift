import Foundation
import Synchronization

/// Counts requests against a per-minute rate: on this node, or across the cluster.
public protocol RateCounter: Sendable {
    /// Counts one request of `key` at `perMinute`; answers the seconds to wait when it is over the rate.
    func take(_ key: String, perMinute: Int, now: Date) async -> Int?
}

/// This node's count: a token bucket per key and rate, in memory.
public final class LocalRateCounter: RateCounter {
    private let limiters = Mutex<[Int: RequestRateLimiter]>([:])

    public init() {}

    public func take(_ key: String, perMinute: Int, now: Date) async -> Int? {
        limiters.withLock { limiters in
            var limiter = limiters[perMinute] ?? RequestRateLimiter(perMinute: perMinute)
            defer { limiters[perMinute] = limiter }
            return limiter.take(key, now: now)
        }
    }
}
