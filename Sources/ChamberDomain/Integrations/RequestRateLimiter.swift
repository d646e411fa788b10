import Foundation

/// Token buckets by key: each key may make `perMinute` requests a minute, in bursts up to that many. A pure value:
/// the caller owns the clock and the lock. At most `maxKeys` keys are kept; the fullest are forgotten first (a full
/// bucket is what a new key gets anyway).
public struct RequestRateLimiter: Sendable {
    public let perMinute: Int
    public let maxKeys: Int
    private var buckets: [String: (tokens: Double, at: Date)] = [:]

    public init(perMinute: Int, maxKeys: Int = 100_000) {
        precondition(perMinute > 0)
        self.perMinute = perMinute
        self.maxKeys = maxKeys
    }

    /// Takes one request's token; answers the seconds to wait when there is none (nothing is taken then).
    public mutating func take(_ key: String, now: Date) -> Int? {
        let rate = Double(perMinute) / 60
        var bucket = buckets[key] ?? (Double(perMinute), now)
        bucket.tokens = min(Double(perMinute), bucket.tokens + max(0, now.timeIntervalSince(bucket.at)) * rate)
        bucket.at = now
        guard bucket.tokens >= 1 else {
            buckets[key] = bucket
            return max(1, Int(((1 - bucket.tokens) / rate).rounded(.up)))
        }
        bucket.tokens -= 1
        if buckets[key] == nil, buckets.count >= maxKeys {
            for (old, _) in buckets.sorted(by: { $0.value.tokens > $1.value.tokens }).prefix(maxKeys / 10 + 1) { buckets[old] = nil }
        }
        buckets[key] = bucket
        return nil
    }
}
