import Synchronization

/// A bounded cache that keeps what is read often, at the price of a dictionary lookup or two.
///
/// Two generations, each up to half the budget: when the newer fills it becomes the older, and the older is dropped.
/// A value read from the older generation moves to the newer, so what is asked for often stays. The cost of a value
/// is the caller's measure (businesses, bytes); a value costing more than half the budget is not kept.
public final class GenerationalCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Generations {
        var newer: [Key: Value] = [:]
        var older: [Key: Value] = [:]
        var newerCost = 0
    }

    private let half: Int
    private let cost: @Sendable (Value) -> Int
    private let generations = Mutex(Generations())

    /// A cache holding values costing at most `budget` in all, each costing `cost(value)` (at least 1); a budget of
    /// 0 keeps nothing.
    public init(budget: Int, cost: @escaping @Sendable (Value) -> Int) {
        half = max(0, budget) / 2
        self.cost = cost
    }

    /// The value kept for `key`, if any.
    public func value(for key: Key) -> Value? {
        guard half > 0 else { return nil }
        return generations.withLock { state in
            if let value = state.newer[key] { return value }
            guard let value = state.older.removeValue(forKey: key) else { return nil }
            keep(value, for: key, in: &state)
            return value
        }
    }

    /// Keeps `value` for `key`.
    public func keep(_ value: Value, for key: Key) {
        guard half > 0 else { return }
        generations.withLock { keep(value, for: key, in: &$0) }
    }

    private func keep(_ value: Value, for key: Key, in state: inout Generations) {
        let cost = max(1, cost(value))
        guard cost <= half else { return }
        if state.newerCost + cost > half {
            state.older = state.newer
            state.newer = [:]
            state.newerCost = 0
        }
        if state.newer.updateValue(value, forKey: key) == nil { state.newerCost += cost }
    }
}
