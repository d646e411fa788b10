import Foundation

/// Counts failed logins per key (an account, an address) in a sliding window and says when to refuse.
///
/// A pure value: the caller owns the clock and the lock. Memory is bounded: at most `maxKeys` keys are
/// tracked, and the oldest are forgotten first.
public struct LoginThrottle: Sendable {
    public struct Policy: Sendable {
        public var maxFailures: Int
        public var window: TimeInterval
        public init(maxFailures: Int, window: TimeInterval) {
            self.maxFailures = maxFailures
            self.window = window
        }
    }

    public let policy: Policy
    public let maxKeys: Int
    private var failures: [String: [Date]] = [:]

    public init(policy: Policy, maxKeys: Int = 100_000) {
        self.policy = policy
        self.maxKeys = maxKeys
    }

    /// Seconds until `key` may try again, or nil when it may try now.
    public mutating func retryAfter(_ key: String, now: Date) -> Int? {
        guard var stamps = failures[key] else { return nil }
        stamps.removeAll { now.timeIntervalSince($0) >= policy.window }
        failures[key] = stamps.isEmpty ? nil : stamps
        guard stamps.count >= policy.maxFailures, let oldest = stamps.first else { return nil }
        return max(1, Int((policy.window - now.timeIntervalSince(oldest)).rounded(.up)))
    }

    public mutating func recordFailure(_ key: String, now: Date) {
        if failures[key] == nil, failures.count >= maxKeys { evictOldest() }
        failures[key, default: []].append(now)
        if failures[key]!.count > policy.maxFailures { failures[key]!.removeFirst() }
    }

    /// Checks and counts an attempt in one step, so parallel attempts cannot all pass the check before any is counted.
    /// Returns the seconds to wait when the key is over its limit (the attempt is then not counted).
    public mutating func reserve(_ key: String, now: Date) -> Int? {
        if let wait = retryAfter(key, now: now) { return wait }
        recordFailure(key, now: now)
        return nil
    }

    /// Takes back the newest counted attempt of `key` (a reserved attempt that succeeded).
    public mutating func release(_ key: String) {
        guard var stamps = failures[key], !stamps.isEmpty else { return }
        stamps.removeLast()
        failures[key] = stamps.isEmpty ? nil : stamps
    }

    /// A success clears the key (used for accounts, not for addresses).
    public mutating func reset(_ key: String) { failures[key] = nil }

    private mutating func evictOldest() {
        let cutoff = failures.count / 10 + 1
        let oldest = failures.sorted { ($0.value.last ?? .distantPast) < ($1.value.last ?? .distantPast) }.prefix(cutoff)
        for (key, _) in oldest { failures[key] = nil }
    }
}
