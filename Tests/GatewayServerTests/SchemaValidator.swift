import Foundation
import Opencharge

/// The part of JSON Schema (2020-12, the dialect of OpenAPI 3.1) that `docs/openapi.yaml` uses, checked
/// against a JSON value: `type` (one or a list, so `[string, "null"]` is nullable), `required`, `properties`,
/// `additionalProperties: false`, `items`, `enum`, `const`, `$ref` into the same document, `allOf`, `anyOf`,
/// `oneOf`, `pattern`, `minLength`/`maxLength`, `minimum`/`maximum` and `maxItems`.
///
/// A keyword it does not know is reported as a problem, not skipped, so the document cannot promise a
/// constraint that nothing checks. Annotations (`description`, `format`, …) are allowed and ignored.
struct SchemaValidator {
    /// The whole document, for `$ref`.
    let root: JSONValue

    private static let annotations: Set<String> = ["description", "title", "format", "example", "examples"]
    private static let keywords: Set<String> = [
        "type", "required", "properties", "additionalProperties", "items", "enum", "const", "$ref", "allOf", "anyOf",
        "oneOf", "pattern", "minLength", "maxLength", "minimum", "maximum", "maxItems",
    ]

    /// Every way `value` breaks `schema`, each naming where (`$.error.code`); empty when it conforms.
    func problems(_ value: JSONValue, against schema: JSONValue, at path: String = "$") -> [String] {
        guard let rules = schema.objectValue else { return ["\(path): schema is not an object"] }
        var found: [String] = []
        for key in rules.keys where !Self.keywords.contains(key) && !Self.annotations.contains(key) {
            found.append("\(path): schema keyword \(key) is not supported by the validator")
        }
        if let reference = rules["$ref"] {
            switch resolve(reference) {
            case .success(let target): found += problems(value, against: target, at: path)
            case .failure(let error): found.append("\(path): \(error)")
            }
        }
        if let types = rules["type"] { found += typeProblems(value, types, at: path) }
        if let allowed = rules["enum"]?.arrayValue, !allowed.contains(value) {
            found.append("\(path): \(Self.text(value)) is not one of \(allowed.map(Self.text))")
        }
        if let constant = rules["const"], constant != value {
            found.append("\(path): \(Self.text(value)) is not \(Self.text(constant))")
        }
        for member in rules["allOf"]?.arrayValue ?? [] { found += problems(value, against: member, at: path) }
        if let options = rules["anyOf"]?.arrayValue, !options.contains(where: { problems(value, against: $0, at: path).isEmpty }) {
            found.append("\(path): matches none of anyOf")
        }
        if let options = rules["oneOf"]?.arrayValue {
            let matches = options.filter { problems(value, against: $0, at: path).isEmpty }.count
            if matches != 1 { found.append("\(path): matches \(matches) of oneOf, not exactly one") }
        }
        if let object = value.objectValue { found += objectProblems(object, rules, at: path) }
        if let elements = value.arrayValue { found += arrayProblems(elements, rules, at: path) }
        if let text = value.stringValue { found += stringProblems(text, rules, at: path) }
        if let number = value.numberValue { found += numberProblems(number, rules, at: path) }
        return found
    }

    /// Follows a `#/a/b` pointer into `root`.
    func resolve(_ reference: JSONValue) -> Result<JSONValue, SchemaReferenceError> {
        guard let pointer = reference.stringValue, pointer.hasPrefix("#/") else {
            return .failure(.notLocal(Self.text(reference)))
        }
        var node = root
        for token in pointer.dropFirst(2).split(separator: "/", omittingEmptySubsequences: false) {
            let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            guard let next = node[key] else { return .failure(.dangling(pointer)) }
            node = next
        }
        return .success(node)
    }

    private func typeProblems(_ value: JSONValue, _ types: JSONValue, at path: String) -> [String] {
        let names = types.arrayValue?.compactMap(\.stringValue) ?? [types.stringValue].compactMap { $0 }
        guard !names.contains(where: { Self.has(value, type: $0) }) else { return [] }
        return ["\(path): \(Self.text(value)) is not of type \(names.joined(separator: " or "))"]
    }

    private func objectProblems(_ object: JSONObject, _ rules: JSONObject, at path: String) -> [String] {
        var found: [String] = []
        for name in rules["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where object[name] == nil {
            found.append("\(path): required property \(name) is missing")
        }
        let properties = rules["properties"]?.objectValue ?? JSONObject()
        for key in object.keys {
            guard let value = object[key] else { continue }
            if let schema = properties[key] {
                found += problems(value, against: schema, at: "\(path).\(key)")
            } else if rules["additionalProperties"] == .bool(false) {
                found.append("\(path): property \(key) is not allowed")
            }
        }
        return found
    }

    private func arrayProblems(_ elements: [JSONValue], _ rules: JSONObject, at path: String) -> [String] {
        var found: [String] = []
        if let limit = rules["maxItems"]?.numberValue?.int64Value, elements.count > limit {
            found.append("\(path): \(elements.count) items, more than \(limit)")
        }
        if let schema = rules["items"] {
            for (index, element) in elements.enumerated() { found += problems(element, against: schema, at: "\(path)[\(index)]") }
        }
        return found
    }

    private func stringProblems(_ text: String, _ rules: JSONObject, at path: String) -> [String] {
        var found: [String] = []
        let length = text.unicodeScalars.count
        if let minimum = rules["minLength"]?.numberValue?.int64Value, length < minimum {
            found.append("\(path): shorter than \(minimum) characters")
        }
        if let maximum = rules["maxLength"]?.numberValue?.int64Value, length > maximum {
            found.append("\(path): longer than \(maximum) characters")
        }
        if let pattern = rules["pattern"]?.stringValue {
            // JSON Schema patterns are unanchored; the document anchors its own with ^…$.
            if let expression = try? NSRegularExpression(pattern: pattern) {
                let range = NSRange(text.startIndex..., in: text)
                if expression.firstMatch(in: text, range: range) == nil {
                    found.append("\(path): \"\(text)\" does not match \(pattern)")
                }
            } else {
                found.append("\(path): pattern \(pattern) does not compile")
            }
        }
        return found
    }

    private func numberProblems(_ number: JSONNumber, _ rules: JSONObject, at path: String) -> [String] {
        // Every bound in the document is an integer and so is every number it constrains.
        guard let value = number.int64Value else { return [] }
        var found: [String] = []
        if let minimum = rules["minimum"]?.numberValue?.int64Value, value < minimum { found.append("\(path): \(value) < \(minimum)") }
        if let maximum = rules["maximum"]?.numberValue?.int64Value, value > maximum { found.append("\(path): \(value) > \(maximum)") }
        return found
    }

    private static func has(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object),
            ("number", .number):
            true
        case ("integer", .number(let number)): number.isIntegerLiteral
        default: false
        }
    }

    static func text(_ value: JSONValue) -> String { String(decoding: CanonicalJSON.encode(value), as: UTF8.self) }
}

/// A `$ref` the validator cannot follow.
enum SchemaReferenceError: Error, CustomStringConvertible {
    case notLocal(String)
    case dangling(String)

    var description: String {
        switch self {
        case .notLocal(let reference): "$ref \(reference) does not point into this document"
        case .dangling(let pointer): "$ref \(pointer) points at nothing"
        }
    }
}
