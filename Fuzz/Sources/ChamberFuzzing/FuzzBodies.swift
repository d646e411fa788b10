import ChamberDomain
import ChamberRealtime
import Foundation

/// What each fuzz target checks of one input. The libFuzzer targets (`Fuzz/Targets/`) call these on generated inputs,
/// and `FuzzCorpusTests` on every input kept in `Fuzz/corpus/`, so an input that once failed stays a regression test.
/// A broken property stops the process (`precondition`), which libFuzzer reports with the input that did it.
public enum FuzzBodies {
    /// The bodies by target name, as `Fuzz/corpus/<name>/` holds their inputs.
    public static let all: [String: @Sendable (UnsafeBufferPointer<UInt8>) -> Void] = [
        "frames": frames, "moderation": moderation, "rules": rules, "redis": redis, "sql": sql, "configuration": configuration,
    ]

    /// A client frame, as a socket hands its text to the hub: decoded, or refused with a client error of the
    /// catalogue, never an internal one.
    public static func frames(_ bytes: UnsafeBufferPointer<UInt8>) {
        do {
            _ = try DecodedFrame.decode(bytes)
        } catch {
            let kind = error.error.code.kind
            precondition(kind != .internalFailure && kind != .unavailable, "a client frame answered \(error.error.code): \(error.error.message)")
        }
    }

    /// A message body through the filters a chamber can turn on (the text normalised for the word list first): a
    /// verdict for every text, the same each time.
    public static func moderation(_ bytes: UnsafeBufferPointer<UInt8>) {
        let text = String(decoding: bytes, as: UTF8.self)
        let result = pipeline.run(text, context: context)
        precondition(result == pipeline.run(text, context: context), "moderation is not deterministic")
    }

    /// A chamber's own moderation rules as an admin sends them (`PUT …/moderation/settings`, snake_case keys): read
    /// and checked against the server's defaults, or refused with `invalid_moderation_rule`; rules that pass, merged
    /// with the defaults as the route merges them, build filters that judge a message.
    public static func rules(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)), ModerationSettings.unknownKey(in: json) == nil,
            let settings = try? snakeCase.decode(ModerationSettings.self, from: Data(bytes))
        else { return }
        do {
            try policies.validate(settings)
        } catch {
            precondition(error.code == .invalidModerationRule, "rules refused with \(error.code): \(error.message)")
            return
        }
        // What passed the check must build and run, as a chamber's next send will.
        let (effective, words) = policies.effective(settings)
        do {
            let built = try effective.pipeline(wordList: words)
            _ = try effective.floodGate()
            _ = built.run("Members' mixer on Friday: SCAM at https://chamber.example @a @b", context: context)
        } catch {
            preconditionFailure("rules that passed the check do not build: \(error.code): \(error.message)")
        }
    }

    /// The rules' reader, as the API reads bodies.
    static let snakeCase: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()

    /// The server's own rules (`Config/moderation/rules.json`'s shape), which a chamber's are merged with.
    static let policies: ModerationPolicies = {
        do {
            return try ModerationPolicies(defaults: ModerationSettings(), words: ["scam", "idiot"], store: nil)
        } catch {
            fatalError("the fuzz target's default rules are refused: \(error)")
        }
    }()

    static let context = ModerationContext(
        chamberID: ChamberID("fuzz-chamber"), channelID: ChannelID("fuzz-channel"), senderID: UserID("fuzz-user"), senderRole: .member,
        at: Date(timeIntervalSince1970: 1_800_000_000), memberSince: Date(timeIntervalSince1970: 1_799_000_000))

    static let pipeline = ModerationPipeline(filters: [
        WordListFilter(words: ["scam", "idiot", "crypto giveaway"], action: .mask),
        LinkPolicyFilter(policy: .allowList(["chamber.example", "city.gov"]), newMemberDays: 30),
        ShoutingFilter(),
        MentionFloodFilter(maxMentions: 5),
    ])
}
