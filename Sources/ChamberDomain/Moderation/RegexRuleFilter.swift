import Foundation

/// A chamber's own pattern (a phone number format, a competitor's promo code…), matched case-insensitively, with
/// an action: mask what matched, hold the message, or reject it with `message_rejected`.
///
/// A pattern runs on every message before it is stored, so it must not be able to stall the hub: patterns are
/// refused at configuration time when they could backtrack without bound — a repeated group that itself repeats
/// (`(a+)+`) or holds alternatives (`(a|aa)*`), back-references and look-arounds — or when longer than 200
/// characters. What is left matches in time proportional to the message, which is itself bounded in length.
public struct RegexRuleFilter: MessageFilter {
    public enum Action: String, Sendable, Codable { case mask, hold, reject }

    public let name: String
    public let pattern: String
    public let action: Action
    private let expression: NSRegularExpressionBox

    public static let maxPatternLength = 200

    /// Throws `invalid_moderation_rule` naming what is wrong with the pattern.
    public init(name: String, pattern: String, action: Action) throws(ChamberError) {
        if let problem = Self.problem(with: pattern) {
            throw ChamberError(.invalidModerationRule, "rule '\(name)': \(problem)", field: "pattern")
        }
        do {
            expression = NSRegularExpressionBox(try NSRegularExpression(pattern: pattern, options: [.caseInsensitive]))
        } catch {
            throw ChamberError(
                .invalidModerationRule, "rule '\(name)': the pattern does not compile: \(error.localizedDescription)", field: "pattern")
        }
        self.name = name
        self.pattern = pattern
        self.action = action
    }

    public func evaluate(_ text: String, context: ModerationContext) -> ModerationVerdict {
        let whole = NSRange(text.startIndex..., in: text)
        let matches = expression.value.matches(in: text, range: whole)
        guard !matches.isEmpty else { return .allow }
        switch action {
        case .mask:
            var masked = text
            for match in matches.reversed() {
                guard let range = Range(match.range, in: masked), !range.isEmpty else { continue }
                masked.replaceSubrange(range, with: String(repeating: "*", count: masked[range].count))
            }
            return masked == text ? .allow : .mask(masked)
        case .hold:
            return .hold(reason: "matches the chamber's rule '\(name)'")
        case .reject:
            return .reject(code: .messageRejected, reason: "this message matches a rule of the chamber ('\(name)')")
        }
    }

    /// Why a pattern is refused, or nil. A scan of the pattern's structure: groups are tracked on a stack with
    /// whether they contain a quantifier or an alternative, and a group that does and is itself quantified without
    /// an upper bound of one is refused.
    static func problem(with pattern: String) -> String? {
        guard !pattern.isEmpty else { return "the pattern is empty" }
        guard pattern.count <= maxPatternLength else { return "the pattern is longer than \(maxPatternLength) characters" }
        struct Group { var quantified = false; var alternatives = false }
        var stack: [Group] = [Group()]
        let characters = Array(pattern)
        var index = 0
        var inClass = false
        while index < characters.count {
            let character = characters[index]
            if character == "\\" {
                guard index + 1 < characters.count else { return "the pattern ends with a lone backslash" }
                let next = characters[index + 1]
                if !inClass, next.isNumber, next != "0" { return "back-references (\\\(next)) are not allowed" }
                if !inClass, next == "k" { return "named back-references are not allowed" }
                index += 2
                continue
            }
            if inClass {
                if character == "]" { inClass = false }
                index += 1
                continue
            }
            switch character {
            case "[":
                inClass = true
            case "(":
                if index + 2 < characters.count, characters[index + 1] == "?",
                    ["=", "!"].contains(characters[index + 2])
                        || (characters[index + 2] == "<" && index + 3 < characters.count && ["=", "!"].contains(characters[index + 3]))
                {
                    return "look-arounds are not allowed"
                }
                stack.append(Group())
            case ")":
                guard stack.count > 1 else { return "a ')' has no '('" }
                let group = stack.removeLast()
                if let repeated = Self.quantifier(after: index, in: characters), repeated.unbounded, group.quantified || group.alternatives {
                    return
                        "a repeated group that repeats inside or has alternatives ('\(String(characters[max(0, index - 12)...index]))\(repeated.text)') can take exponential time; repeat the inside only, or bound it like {1,5}"
                }
                if group.quantified { stack[stack.count - 1].quantified = true }
            case "|":
                stack[stack.count - 1].alternatives = true
            case "*", "+", "{":
                stack[stack.count - 1].quantified = true
            case "?":
                if index > 0, characters[index - 1] != "(" { stack[stack.count - 1].quantified = true }
            default:
                break
            }
            index += 1
        }
        if inClass { return "a '[' has no ']'" }
        if stack.count > 1 { return "a '(' has no ')'" }
        return nil
    }

    /// The quantifier following position `index` (a group's closing parenthesis), if any.
    private static func quantifier(after index: Int, in characters: [Character]) -> (text: String, unbounded: Bool)? {
        guard index + 1 < characters.count else { return nil }
        switch characters[index + 1] {
        case "*", "+": return (String(characters[index + 1]), true)
        case "{":
            guard let close = characters[(index + 1)...].firstIndex(of: "}") else { return nil }
            let body = String(characters[(index + 2)..<close])
            let parts = body.split(separator: ",", omittingEmptySubsequences: false)
            // {n,} is unbounded; {n,m} and {n} repeat a bounded number of times.
            let unbounded = parts.count == 2 && parts[1].isEmpty || (Int(parts.last ?? "") ?? 0) > 10
            return ("{" + body + "}", unbounded)
        default: return nil
        }
    }
}

/// NSRegularExpression is immutable once made and safe to share across threads; the box says so to the compiler.
struct NSRegularExpressionBox: @unchecked Sendable {
    let value: NSRegularExpression
    init(_ value: NSRegularExpression) { self.value = value }
}
