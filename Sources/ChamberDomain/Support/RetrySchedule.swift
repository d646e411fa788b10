import Foundation

/// When a failed send (a push, a mail) is tried again: exponential backoff with jitter, the provider's `Retry-After`
/// honoured, and a dead letter after ``maxAttempts``.
public struct RetrySchedule: Sendable, Equatable {
    /// The wait after the first failure, before jitter.
    public var base: TimeInterval
    /// No wait is longer, however many failures.
    public var cap: TimeInterval
    /// Attempts in all, the first included; the job is dead-lettered when the last fails.
    public var maxAttempts: Int

    public init(base: TimeInterval = 1, cap: TimeInterval = 600, maxAttempts: Int = 8) {
        self.base = base
        self.cap = cap
        self.maxAttempts = maxAttempts
    }

    /// The wait after failed attempt number `attempt` (1-based), or nil when that was the last.
    ///
    /// "Equal jitter": half the exponential wait is fixed and half random (`random` in 0..<1), so retries of many
    /// pushes that failed together spread out, and none comes back sooner than half its due. A `Retry-After` from
    /// the provider is a floor (capped at an hour, so a wrong header cannot park a push for days).
    public func delay(afterAttempt attempt: Int, retryAfter: TimeInterval?, random: Double) -> TimeInterval? {
        guard attempt < maxAttempts else { return nil }
        let exponential = min(cap, base * pow(2, Double(max(0, attempt - 1))))
        let jittered = exponential / 2 + exponential / 2 * min(max(random, 0), 1)
        guard let retryAfter, retryAfter > 0 else { return jittered }
        return max(jittered, min(retryAfter, 3_600))
    }
}
