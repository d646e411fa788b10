import Foundation
import Synchronization

/// The moderation in force for each chamber: the node's defaults (`Config/moderation/`) with the fields a chamber's
/// admins set in place of them, and the chamber's own listed words added to the node's.
///
/// Building a pipeline compiles word lists and patterns, so each chamber's is built once and kept. A change made on
/// this node takes effect at once; other nodes pick it up within ``refreshInterval``.
public final class ModerationPolicies: Sendable {
    /// What one chamber's sends go through.
    public struct Policy: Sendable {
        public let pipeline: ModerationPipeline
        public let flood: FloodGate?
    }

    public let defaults: ModerationSettings
    public let defaultWords: [String]
    public let refreshInterval: TimeInterval
    private let store: (any Store)?
    private let fallback: Policy
    private let cache = Mutex<[ChamberID: (policy: Policy, loadedAt: Date)]>([:])

    /// - Parameter store: where chambers' own settings are kept (nil: every chamber runs the defaults).
    public init(defaults: ModerationSettings, words: [String], store: (any Store)?, refreshInterval: TimeInterval = 5) throws(ChamberError) {
        self.defaults = defaults
        self.defaultWords = words
        self.store = store
        self.refreshInterval = refreshInterval
        self.fallback = Policy(pipeline: try defaults.pipeline(wordList: words), flood: try defaults.floodGate())
    }

    /// One pipeline for every chamber (benchmarks, tests).
    public init(pipeline: ModerationPipeline, flood: FloodGate? = nil) {
        defaults = ModerationSettings()
        defaultWords = []
        store = nil
        refreshInterval = .infinity
        fallback = Policy(pipeline: pipeline, flood: flood)
    }

    /// What a chamber without settings of its own runs.
    public var defaultPolicy: Policy { fallback }

    /// The chamber's policy: from memory while fresh, else rebuilt from its stored settings.
    public func policy(for chamber: ChamberID, now: Date = Date()) async throws -> Policy {
        guard let store else { return fallback }
        let cached = cache.withLock { $0[chamber] }
        if let cached, now.timeIntervalSince(cached.loadedAt) < refreshInterval { return cached.policy }
        var policy: Policy
        if let own = try await store.scoped(to: chamber).moderation.settings() {
            let (settings, words) = effective(own)
            // Stored settings were checked when saved; if the defaults changed under them since, run the defaults.
            policy = (try? Policy(pipeline: settings.pipeline(wordList: words), flood: settings.floodGate())) ?? fallback
        } else {
            policy = fallback
        }
        // The flood gate holds the members' recent sends: a refresh with the same limit keeps it, or every refresh
        // would forget them and no window could outlast the refresh interval.
        if let kept = cached?.policy.flood, let fresh = policy.flood, kept !== fresh, kept.limit == fresh.limit, kept.window == fresh.window {
            policy = Policy(pipeline: policy.pipeline, flood: kept)
        }
        cache.withLock { $0[chamber] = (policy, now) }
        return policy
    }

    /// The settings in force when a chamber sets `own`: each field it sets replaces the default; its words are added.
    public func effective(_ own: ModerationSettings) -> (ModerationSettings, [String]) {
        var settings = defaults
        if let value = own.wordListAction { settings.wordListAction = value }
        if let value = own.links { settings.links = value }
        if let value = own.mentions { settings.mentions = value }
        if let value = own.shouting { settings.shouting = value }
        if let value = own.patterns { settings.patterns = value }
        if let value = own.flood { settings.flood = value }
        settings.words = nil
        return (settings, defaultWords + (own.words ?? []))
    }

    /// Checks a chamber's settings by building what they ask for; throws `invalid_moderation_rule` naming the field.
    public func validate(_ own: ModerationSettings) throws(ChamberError) {
        if let words = own.words {
            guard words.count <= 1000 else { throw ChamberError(.invalidModerationRule, "at most 1000 words", field: "words") }
            for (index, word) in words.enumerated() where word.trimmingCharacters(in: .whitespaces).isEmpty || word.count > 100 {
                throw ChamberError(.invalidModerationRule, "words must be 1 to 100 characters", field: "words[\(index)]")
            }
        }
        let (settings, words) = effective(own)
        _ = try settings.pipeline(wordList: words)
        _ = try settings.floodGate()
    }

    /// Forgets a chamber's policy so the next send rebuilds it (after its settings changed on this node).
    public func invalidate(_ chamber: ChamberID) {
        _ = cache.withLock { $0.removeValue(forKey: chamber) }
    }
}
