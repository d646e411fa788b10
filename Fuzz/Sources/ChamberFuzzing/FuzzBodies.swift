import ChamberDomain
import ChamberRealtime
import Foundation

/// What each fuzz target checks of one input. The libFuzzer targets (`Fuzz/Targets/`) call these on generated inputs,
/// and `FuzzCorpusTests` on every input kept in `Fuzz/corpus/`, so an input that once failed stays a regression test.
/// A broken property stops the process (`precondition`), which libFuzzer reports with the input that did it.
public enum FuzzBodies {
    /// The bodies by target name, as `Fuzz/corpus/<name>/` holds their inputs.
    public static let all: [String: @Sendable (UnsafeBufferPointer<UInt8>) -> Void] = [
        "frames": frames, "moderation": moderation, "rules": rules,
    ]

    /// A client frame, as a socket hands its text to the hub: decoded, or refused with a client error of the
    /// catalogue, never an internal one.
    public static func frames(_ bytes: UnsafeBufferPointer<UInt8>) {
        do {
            _ = try DecodedFrame.decode(bytes)
        } catch {
            let kind = error.error.code.kind
            precondition(kind != .internalFailure && kind != .unavailable, "a client frame answered \(error.error.code): \(error.error.message)")
            precondition(ChamberError.Code(rawValue: error.error.code.rawValue) != nil, "a code outside the catalogue")
        }
    }

    /// A message body through the filters a chamber can turn on (the text normalised for the word list first): a
    /// verdict for every text, the same each time.
    public static func moderation(_ bytes: UnsafeBufferPointer<UInt8>) {
        let text = String(decoding: bytes, as: UTF8.self)
        let result = pipeline.run(text, context: context)
        precondition(result == pipeline.run(text, context: context), "moderation is not deterministic")
    }

    /// A chamber's own moderation rules as an admin sends them (`PATCH …/moderation`): read and checked, or refused
    /// with `invalid_moderation_rule`; rules that pass build filters that judge a message.
    public static func rules(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)), ModerationSettings.unknownKey(in: json) == nil,
            let settings = try? JSONDecoder().decode(ModerationSettings.self, from: Data(bytes))
        else { return }
        do {
            let built = try settings.pipeline(wordList: ["scam"])
            _ = try settings.floodGate()
            _ = built.run("Members' mixer on Friday: SCAM at https://chamber.example @a @b", context: context)
        } catch {
            precondition(error.code == .invalidModerationRule, "rules refused with \(error.code): \(error.message)")
        }
    }

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
