import ChamberDomain
import Foundation
import Testing

/// The error catalogue is closed and documented: every code the server can answer is listed in `Protocol/`
/// (the REST `Error` table of openapi.yaml or the socket's table in websocket.md §10), and every code the documents
/// promise exists.
@Suite("Error catalogue")
struct ErrorCatalogueTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Protocol")

    /// The codes in the first column of a markdown table, between `start` and the next heading (or a line `stop`).
    static func documentedCodes(in text: String, after start: String, before stop: String) -> Set<String> {
        guard let from = text.range(of: start) else { return [] }
        let rest = text[from.upperBound...]
        let section = rest.range(of: stop).map { rest[..<$0.lowerBound] } ?? rest
        var codes = Set<String>()
        for line in section.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("| `") else { continue }
            let firstCell = trimmed.dropFirst(2).prefix { $0 != "|" }
            // A cell may list several codes: `token_invalid`, `token_expired`, `token_revoked`.
            for part in firstCell.split(separator: "`") where part.allSatisfy({ $0.isLowercase || $0 == "_" }) && !part.isEmpty {
                codes.insert(String(part))
            }
        }
        return codes
    }

    static var restCodes: Set<String> {
        let text = (try? String(contentsOf: root.appendingPathComponent("openapi.yaml"), encoding: .utf8)) ?? ""
        return documentedCodes(in: text, after: "The body of every failure.", before: "    ErrorDetail:")
    }

    static var socketCodes: Set<String> {
        let text = (try? String(contentsOf: root.appendingPathComponent("websocket.md"), encoding: .utf8)) ?? ""
        return documentedCodes(in: text, after: "## 10. Error codes", before: "## 11.")
    }

    @Test("every code in the catalogue is documented in Protocol/")
    func catalogueIsDocumented() {
        let documented = Self.restCodes.union(Self.socketCodes)
        #expect(Self.restCodes.count > 40 && Self.socketCodes.count > 30, "the tables were found")
        let undocumented = ChamberError.Code.all.map(\.rawValue).filter { !documented.contains($0) }
        #expect(undocumented.isEmpty, "codes the server can answer that Protocol/ does not list: \(undocumented)")
    }

    @Test("every documented code exists in the catalogue")
    func documentsNameOnlyRealCodes() {
        let known = Set(ChamberError.Code.all.map(\.rawValue))
        #expect(
            Self.restCodes.subtracting(known).isEmpty,
            "openapi.yaml lists codes the server never answers: \(Self.restCodes.subtracting(known).sorted())")
        #expect(
            Self.socketCodes.subtracting(known).isEmpty,
            "websocket.md §10 lists codes the server never answers: \(Self.socketCodes.subtracting(known).sorted())")
    }

    @Test("the catalogue lists every code once, and every static member is in it")
    func catalogueIsWhole() throws {
        let names = ChamberError.Code.all.map(\.rawValue)
        #expect(Set(names).count == names.count, "a code is listed twice")
        // The static members as written in the source: a member left out of `all` would be a code no test checks.
        let source = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("Sources/ChamberDomain/Errors/ChamberError.swift"), encoding: .utf8)
        let declared = source.components(separatedBy: "public static let ").dropFirst().filter { $0.contains("= Code(\"") }.count
        #expect(declared == names.count, "ChamberError.swift declares \(declared) codes; Code.all lists \(names.count)")
        for name in names { #expect(ChamberError.Code(rawValue: name)?.rawValue == name) }
        #expect(ChamberError.Code(rawValue: "no_such_code") == nil)
    }
}
