import Foundation
import Yams

/// `Protocol/openapi.yaml`, loaded once, with the small JSON Schema validator the contract tests use.
///
/// The validator implements the keywords the document is allowed to use: type (one or a list), properties, required,
/// additionalProperties, items, enum, local $ref, format (date-time, uuid, email), minLength, maxLength, minimum, maximum.
struct OpenAPIContract: Sendable {
    let document: JSON

    static let shared: OpenAPIContract = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let path = root.appendingPathComponent("Protocol/openapi.yaml").path
        do {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            return OpenAPIContract(document: JSON(any: try Yams.load(yaml: text)))
        } catch {
            fatalError("cannot load \(path): \(error)")
        }
    }()

    static let methods = ["get", "put", "post", "delete", "patch", "head", "options"]

    /// Every (METHOD, path) the document describes.
    var operations: Set<String> {
        var result: Set<String> = []
        for (path, item) in document["paths"].object ?? [:] {
            for method in Self.methods where item[method].object != nil {
                result.insert("\(method.uppercased()) \(path)")
            }
        }
        return result
    }

    /// The documented path template that a concrete path matches (`/v1/chambers/123` → `/v1/chambers/{chamberId}`).
    func template(for path: String) -> String? {
        let segments = path.split(separator: "?").first.map { $0.split(separator: "/", omittingEmptySubsequences: true) } ?? []
        let candidates = (document["paths"].object ?? [:]).keys.filter { template in
            let parts = template.split(separator: "/", omittingEmptySubsequences: true)
            guard parts.count == segments.count else { return false }
            return zip(parts, segments).allSatisfy { part, segment in part.hasPrefix("{") || part == segment }
        }
        // Prefer the most literal match.
        return candidates.max { a, b in a.filter { $0 == "{" }.count > b.filter { $0 == "{" }.count }
    }

    /// Checks a response against the document; returns the problems found (empty when it conforms).
    func check(method: String, path: String, status: Int, contentType: String?, body: Data) -> [String] {
        // The document's "Connections and every answer": a path it lacks is 404, a method a path lacks is 405, both
        // with the error body.
        guard let template = template(for: path) else {
            return status == 404 ? errorBody(body, at: "\(method) \(path) 404") : ["\(method) \(path): no documented path matches"]
        }
        let operation = document["paths"][template][method.lowercased()]
        guard operation.object != nil else {
            return status == 405 ? errorBody(body, at: "\(method) \(template) 405") : ["\(method) \(template): operation not documented"]
        }
        var response = operation["responses"]["\(status)"]
        // `default` stands only for unexpected server failures; every client error must be listed by status.
        if response.isNull, status >= 500 { response = operation["responses"]["default"] }
        guard !response.isNull else { return ["\(method) \(template): status \(status) not documented"] }
        response = resolve(response)
        let content = response["content"]
        if content.isNull {
            return body.isEmpty ? [] : ["\(method) \(template) \(status): documented without a body but has \(body.count) bytes"]
        }
        let mediaType = contentType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        if mediaType != "application/json", !content[mediaType].isNull {
            return []  // a documented non-JSON body (a file, CSV): its bytes have no schema to check
        }
        if let schema = content["application/json"]["schema"].object {
            guard mediaType == "application/json" else {
                return ["\(method) \(template) \(status): content type \(contentType ?? "none") is not application/json"]
            }
            guard let json = try? JSON.parse(body) else { return ["\(method) \(template) \(status): body is not JSON"] }
            var problems: [String] = []
            validate(json, against: .object(schema), at: "\(method) \(template) \(status) $", problems: &problems)
            return problems
        }
        return []
    }

    private func errorBody(_ body: Data, at location: String) -> [String] {
        guard let json = try? JSON.parse(body) else { return ["\(location): body is not JSON"] }
        var problems: [String] = []
        validate(json, against: resolve(.object(["$ref": .string("#/components/schemas/Error")])), at: "\(location) $", problems: &problems)
        return problems
    }

    func resolve(_ node: JSON) -> JSON {
        guard let ref = node["$ref"].string, ref.hasPrefix("#/") else { return node }
        var current = document
        for part in ref.dropFirst(2).split(separator: "/") { current = current[String(part)] }
        return resolve(current)
    }

    func validate(_ value: JSON, against rawSchema: JSON, at path: String, problems: inout [String]) {
        let schema = resolve(rawSchema)
        if let types = schema["type"].string.map({ [$0] }) ?? schema["type"].array.compactMap(\.string).nilIfEmpty {
            guard types.contains(where: { Self.matches(value, type: $0) }) else {
                problems.append("\(path): expected \(types.joined(separator: "|")), got \(value)")
                return
            }
        }
        if !schema["enum"].array.isEmpty, !schema["enum"].array.contains(value) {
            problems.append("\(path): \(value) is not one of \(schema["enum"])")
        }
        switch value {
        case .object(let object):
            let properties = schema["properties"].object ?? [:]
            for required in schema["required"].array.compactMap(\.string) where object[required] == nil {
                problems.append("\(path): missing required '\(required)'")
            }
            for (key, item) in object {
                if let property = properties[key] {
                    validate(item, against: property, at: "\(path).\(key)", problems: &problems)
                } else if schema["additionalProperties"] == .bool(false) {
                    problems.append("\(path): undocumented property '\(key)'")
                } else if schema["additionalProperties"].object != nil {
                    validate(item, against: schema["additionalProperties"], at: "\(path).\(key)", problems: &problems)
                }
            }
        case .array(let items):
            if !schema["items"].isNull {
                for (index, item) in items.enumerated() { validate(item, against: schema["items"], at: "\(path)[\(index)]", problems: &problems) }
            }
        case .string(let string):
            if let min = schema["minLength"].int, string.count < min { problems.append("\(path): shorter than \(min)") }
            if let max = schema["maxLength"].int, string.count > max { problems.append("\(path): longer than \(max)") }
            switch schema["format"].string {
            case "date-time":
                if !Self.isDateTime(string) { problems.append("\(path): '\(string)' is not a date-time") }
            case "uuid":
                if UUID(uuidString: string) == nil { problems.append("\(path): '\(string)' is not a uuid") }
            case "email":
                if !string.contains("@") { problems.append("\(path): '\(string)' is not an email") }
            default: break
            }
        case .number(let number):
            if let min = schema["minimum"].int, number < Double(min) { problems.append("\(path): below \(min)") }
            if let max = schema["maximum"].int, number > Double(max) { problems.append("\(path): above \(max)") }
        default: break
        }
    }

    /// RFC 3339 date-time, with or without fractional seconds.
    static func isDateTime(_ string: String) -> Bool {
        let plain = ISO8601DateFormatter()
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return plain.date(from: string) != nil || fractional.date(from: string) != nil
    }

    static func matches(_ value: JSON, type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null), ("number", .number): true
        case ("integer", .number(let n)): n == n.rounded()
        default: false
        }
    }
}

extension Array {
    var nilIfEmpty: Self? { isEmpty ? nil : self }
}
