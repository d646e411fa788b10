import ChamberDomain
import Foundation
import Yams

/// `Protocol/openapi.yaml` as one HTML page for people: every operation by tag, with its parameters, body and
/// answers, and every schema, linked to each other. Rendered once, when the node starts, and served without any
/// outside service (no script, no font, no stylesheet from elsewhere).
public struct APIDocsPage: Sendable {
    /// The page's HTML.
    public let html: String
    /// The document it was rendered from, served as it is.
    public let yaml: String

    /// Renders `yaml`. - Throws: when it is not YAML, or has no `paths`.
    public init(yaml: String) throws {
        guard let root = try Yams.compose(yaml: yaml), root["paths"]?.mapping != nil else {
            throw ChamberError(.validationFailed, "the API description is not an OpenAPI document")
        }
        self.yaml = yaml
        html = Renderer(root: root).page()
    }
}

/// Builds the page from the document's tree, in the document's order.
private struct Renderer {
    let root: Node

    static let methods = ["get", "put", "post", "patch", "delete"]

    struct Operation {
        let method: String
        let path: String
        let node: Node
        let shared: [Node]
    }

    var operations: [Operation] {
        (root["paths"]?.mapping ?? [:]).flatMap { path, item in
            Self.methods.compactMap { method in
                item[method].map { Operation(method: method, path: path.string ?? "", node: $0, shared: item["parameters"]?.array() ?? []) }
            }
        }
    }

    func page() -> String {
        let info = root["info"]
        let title = info?["title"]?.string ?? "API"
        let operations = operations
        let tags = (root["tags"]?.array() ?? []).compactMap { tag in tag["name"]?.string.map { ($0, tag["description"]?.string ?? "") } }
        var out = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title))</title><style>\(Self.style)</style></head><body>
            <header><h1>\(escape(title))</h1><p class="version">Version \(escape(info?["version"]?.string ?? ""))</p>
            \(prose(info?["description"]?.string ?? ""))</header>
            <nav><h2>Contents</h2><ul>
            """
        for (tag, _) in tags { out += "<li><a href=\"#tag-\(anchor(tag))\">\(escape(tag))</a></li>" }
        out += "<li><a href=\"#schemas\">Schemas</a></li></ul></nav><main>"
        for (tag, description) in tags {
            out += "<section id=\"tag-\(anchor(tag))\"><h2>\(escape(tag))</h2>\(prose(description))"
            for operation in operations where (operation.node["tags"]?.array() ?? []).contains(where: { $0.string == tag }) {
                out += render(operation)
            }
            out += "</section>"
        }
        out += "<section id=\"schemas\"><h2>Schemas</h2>"
        for (name, schema) in root["components"]?["schemas"]?.mapping ?? [:] {
            let name = name.string ?? ""
            out +=
                "<article id=\"schema-\(anchor(name))\"><h3>\(escape(name))</h3>\(prose(schema["description"]?.string ?? ""))\(properties(schema))</article>"
        }
        return out + "</section></main></body></html>\n"
    }

    func render(_ operation: Operation) -> String {
        let node = operation.node
        let id = node["operationId"]?.string ?? "\(operation.method)-\(operation.path)"
        var out = """
            <article class="operation" id="op-\(anchor(id))"><h3><span class="method \(operation.method)">\(operation.method.uppercased())</span>
            <code>\(escape(operation.path))</code></h3><p class="summary">\(escape(node["summary"]?.string ?? ""))</p>
            \(prose(node["description"]?.string ?? ""))
            """
        let parameters = (operation.shared + (node["parameters"]?.array() ?? [])).map(resolve)
        if !parameters.isEmpty {
            out += "<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>type</th><th>about</th></tr>"
            for parameter in parameters {
                let required = parameter["required"]?.bool == true ? " <span class=\"required\">required</span>" : ""
                out += """
                    <tr><td><code>\(escape(parameter["name"]?.string ?? ""))</code>\(required)</td><td>\(escape(parameter["in"]?.string ?? ""))</td>
                    <td>\(type(parameter["schema"]))</td><td>\(prose(parameter["description"]?.string ?? ""))</td></tr>
                    """
            }
            out += "</table>"
        }
        if let body = node["requestBody"].map(resolve) {
            out += "<h4>Request body</h4>\(prose(body["description"]?.string ?? ""))\(content(body["content"]))"
        }
        out += "<h4>Answers</h4><table><tr><th>status</th><th>about</th></tr>"
        for (status, answer) in node["responses"]?.mapping ?? [:] {
            let answer = resolve(answer)
            out += """
                <tr><td><code>\(escape(status.string ?? ""))</code></td>
                <td>\(prose(answer["description"]?.string ?? ""))\(content(answer["content"]))</td></tr>
                """
        }
        return out + "</table></article>"
    }

    /// A body's media types and their schemas.
    func content(_ node: Node?) -> String {
        guard let media = node?.mapping, !media.isEmpty else { return "" }
        return "<ul class=\"content\">"
            + media.map { type, value in "<li><code>\(escape(type.string ?? ""))</code>: \(self.type(value["schema"]))\(inline(value["schema"]))</li>"
            }
            .joined() + "</ul>"
    }

    /// An inline object schema's properties (a named one links to its own entry instead).
    func inline(_ schema: Node?) -> String {
        guard let schema, schema["$ref"] == nil, schema["properties"] != nil else { return "" }
        return properties(schema)
    }

    func properties(_ schema: Node) -> String {
        guard let properties = schema["properties"]?.mapping, !properties.isEmpty else {
            if let values = schema["enum"]?.array() {
                return "<p>One of \(values.map { "<code>\(escape($0.string ?? ""))</code>" }.joined(separator: ", ")).</p>"
            }
            return schema["type"] == nil && schema["$ref"] == nil ? "" : "<p>Type: \(type(schema))</p>"
        }
        let required = Set((schema["required"]?.array() ?? []).compactMap(\.string))
        var out = "<table><tr><th>field</th><th>type</th><th>about</th></tr>"
        for (name, property) in properties {
            let name = name.string ?? ""
            let mark = required.contains(name) ? " <span class=\"required\">required</span>" : ""
            out += """
                <tr><td><code>\(escape(name))</code>\(mark)</td><td>\(type(property))</td><td>\(prose(property["description"]?.string ?? ""))</td></tr>
                """
        }
        return out + "</table>"
    }

    /// A schema's type in a few words, a named schema as a link to it.
    func type(_ schema: Node?) -> String {
        guard let schema else { return "" }
        if let reference = schema["$ref"]?.string {
            let name = String(reference.split(separator: "/").last ?? "")
            return "<a href=\"#schema-\(anchor(name))\">\(escape(name))</a>"
        }
        if let options = (schema["oneOf"] ?? schema["anyOf"])?.array() { return options.map { type($0) }.joined(separator: " or ") }
        let base: String =
            switch schema["type"] {
            case .some(let node) where node.string == "array": "array of \(type(schema["items"]))"
            case .some(let node) where node.array() != nil: (node.array() ?? []).compactMap(\.string).joined(separator: " or ")
            case .some(let node): node.string ?? ""
            case .none: "any"
            }
        let format = schema["format"]?.string.map { " (\(escape($0)))" } ?? ""
        let values = schema["enum"]?.array().map { ": " + $0.map { "<code>\(escape($0.string ?? "null"))</code>" }.joined(separator: ", ") } ?? ""
        return escape(base).replacingOccurrences(of: "&lt;a", with: "<a") + format + values
    }

    /// A `$ref` to a shared parameter, body or answer, followed.
    func resolve(_ node: Node) -> Node {
        guard let reference = node["$ref"]?.string, reference.hasPrefix("#/") else { return node }
        let target = reference.dropFirst(2).split(separator: "/").reduce(Optional(root)) { $0?[String($1)] }
        return target ?? node
    }

    /// The document's prose (CommonMark, as OpenAPI allows) in the subset it uses: paragraphs, `- ` lists, tables
    /// and code spans.
    func prose(_ text: String) -> String {
        var out = ""
        for block in text.components(separatedBy: "\n\n") where !block.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            let lines = block.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            if lines.allSatisfy({ $0.hasPrefix("|") }) {
                out += "<table>"
                for line in lines where !line.hasPrefix("|---") && !line.hasPrefix("| ---") {
                    let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                    out += "<tr>" + cells.map { "<td>\(inlineText($0.trimmingCharacters(in: .whitespaces)))</td>" }.joined() + "</tr>"
                }
                out += "</table>"
            } else if lines.first?.hasPrefix("- ") == true {
                // A list item may go on over several lines, indented.
                var items: [String] = []
                for line in lines {
                    if line.hasPrefix("- ") {
                        items.append(String(line.dropFirst(2)))
                    } else if !items.isEmpty {
                        items[items.count - 1] += " " + line
                    }
                }
                out += "<ul>" + items.map { "<li>\(inlineText($0))</li>" }.joined() + "</ul>"
            } else {
                out += "<p>\(inlineText(lines.joined(separator: " ")))</p>"
            }
        }
        return out
    }

    /// Escapes a line, then turns its `code spans` into `<code>`.
    func inlineText(_ text: String) -> String {
        escape(text).split(separator: "`", omittingEmptySubsequences: false).enumerated().map { index, part in
            index % 2 == 1 ? "<code>\(part)</code>" : String(part)
        }.joined()
    }

    func escape(_ text: String) -> String { HTMLText.escape(text) }

    func anchor(_ text: String) -> String {
        String(
            text.lowercased().unicodeScalars.map {
                ($0.properties.isAlphabetic || ("0"..."9").contains(Character($0))) && $0.isASCII ? Character($0) : "-"
            })
    }

    static let style = """
        body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:70rem;padding:1rem 2rem;color:#1b1f24}
        nav ul{columns:3;list-style:none;padding:0}code{font:0.9em ui-monospace,monospace;background:#f3f4f6;padding:0 .2em;border-radius:3px}
        table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{border:1px solid #d8dee4;padding:.3rem .5rem;text-align:left;vertical-align:top}
        th{background:#f6f8fa}.operation{border-top:1px solid #d8dee4;padding-top:.5rem;margin-top:1.5rem}
        .method{display:inline-block;min-width:4.5rem;font-size:.8em;color:#fff;border-radius:3px;padding:0 .4rem;text-align:center}
        .get{background:#1f6feb}.post{background:#1a7f37}.patch{background:#9a6700}.put{background:#8250df}.delete{background:#cf222e}
        .required{font-size:.75em;color:#cf222e}.summary{font-weight:600}
        """
}

extension Node {
    /// The items of a sequence node.
    fileprivate func array() -> [Node]? { sequence.map { Array($0) } }
}
