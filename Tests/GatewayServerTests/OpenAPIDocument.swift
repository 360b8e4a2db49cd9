import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Opencharge
import Yams

/// `docs/openapi.yaml`, read with Yams into JSON values, and the checks a real response must pass against it.
struct OpenAPIDocument: Sendable {
    /// One operation: a path template as written in the document and an upper-case method.
    struct Operation: Hashable, Sendable, CustomStringConvertible {
        let method: String
        let path: String

        init(_ method: String, _ path: String) {
            self.method = method
            self.path = path
        }

        var description: String { "\(method) \(path)" }
    }

    let root: JSONValue
    var validator: SchemaValidator { SchemaValidator(root: root) }

    private static let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// The document in the repository, found from this file's own path.
    static let shipped: Result<OpenAPIDocument, OpenAPIDocumentError> = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/openapi.yaml")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return .failure(.unreadable(url.path)) }
        return Result { () throws(OpenAPIDocumentError) in try OpenAPIDocument(yaml: text) }
    }()

    init(yaml: String) throws(OpenAPIDocumentError) {
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch {
            throw .notYAML("\(error)")
        }
        guard let node else { throw .notYAML("the document is empty") }
        root = try Self.json(node)
    }

    /// Every operation the document lists.
    var operations: Set<Operation> {
        var found: Set<Operation> = []
        for path in root["paths"]?.objectValue?.keys ?? [] {
            for method in root["paths"]?[path]?.objectValue?.keys ?? [] where Self.methods.contains(method) {
                found.insert(Operation(method.uppercased(), path))
            }
        }
        return found
    }

    /// The `code` enum of the `ErrorCode` schema.
    var errorCodes: Set<String> {
        Set(root["components"]?["schemas"]?["ErrorCode"]?["enum"]?.arrayValue?.compactMap(\.stringValue) ?? [])
    }

    /// The request body schema of `operation` for `mediaType`.
    func requestSchema(_ operation: Operation, mediaType: String) -> JSONValue? {
        self.operation(operation)?["requestBody"]?["content"]?[mediaType]?["schema"]
    }

    func operation(_ operation: Operation) -> JSONValue? {
        root["paths"]?[operation.path]?[operation.method.lowercased()]
    }

    /// Every way request `headers` break the header parameters of `operation` (path-level ones included).
    func requestProblems(_ headers: HTTPFields, for operation: Operation) -> [String] {
        let parameters = (root["paths"]?[operation.path]?["parameters"]?.arrayValue ?? [])
            + (self.operation(operation)?["parameters"]?.arrayValue ?? [])
        var found: [String] = []
        for parameter in parameters.map(follow) where parameter["in"] == "header" {
            guard let name = parameter["name"]?.stringValue else { continue }
            guard let value = HTTPField.Name(name).flatMap({ headers[$0] }) else {
                if parameter["required"] == .bool(true) { found.append("\(operation): request header \(name) is missing") }
                continue
            }
            if let schema = parameter["schema"] {
                found += validator.problems(.string(value), against: schema, at: "\(operation) request header \(name)")
            }
        }
        return found
    }

    /// Every way `response` departs from what the document says `operation` answers; empty when it conforms.
    func problems(_ response: TestResponse, for operation: Operation) -> [String] {
        guard let documented = self.operation(operation) else { return ["\(operation) is not in the document"] }
        let status = String(response.status.code)
        guard let declared = documented["responses"]?[status] else {
            return ["\(operation) answered \(status), which the document does not list"]
        }
        let answer = follow(declared)
        let context = "\(operation) \(status)"
        var found: [String] = []
        for name in answer["headers"]?.objectValue?.keys ?? [] {
            let header = follow(answer["headers"]?[name] ?? .null)
            let value = HTTPField.Name(name).flatMap { response.headers[$0] }
            guard let value else {
                if header["required"] == .bool(true) { found.append("\(context): required header \(name) is missing") }
                continue
            }
            if let schema = header["schema"] {
                found += validator.problems(.string(value), against: schema, at: "\(context) header \(name)")
            }
        }
        let contentType = response.headers[.contentType]
        guard let content = answer["content"]?.objectValue else {
            if response.body.readableBytes > 0 || contentType != nil {
                found.append("\(context): the document lists no content, but the response has \(contentType ?? "a body")")
            }
            return found
        }
        let mediaType = contentType.map { String($0.prefix { $0 != ";" }).trimmingCharacters(in: .whitespaces).lowercased() }
        guard let mediaType, let schema = content[mediaType]?["schema"] else {
            return found + ["\(context): content type \(contentType ?? "(none)") is not one of \(content.keys)"]
        }
        let body = Array(response.body.readableBytesView)
        if mediaType == "application/json" {
            do {
                found += validator.problems(try JSONParser.parse(body), against: schema, at: "\(context) body")
            } catch {
                found.append("\(context): body is not JSON: \(error)")
            }
        } else {
            found += validator.problems(.string(String(decoding: body, as: UTF8.self)), against: schema, at: "\(context) body")
        }
        return found
    }

    /// A Reference Object's target (its own `description` only overrides prose); anything else as it is.
    private func follow(_ value: JSONValue) -> JSONValue {
        guard value["$ref"] != nil, case .success(let target) = validator.resolve(value["$ref"] ?? .null) else { return value }
        return follow(target)
    }

    private static func json(_ node: Node) throws(OpenAPIDocumentError) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            switch Tag.Name(rawValue: node.tag.rawValue) {
            case .null: return .null
            case .bool: return .bool(node.bool ?? false)
            case .int:
                guard let integer = node.int else { throw .unsupported("integer \(scalar.string)") }
                return .integer(integer)
            case .float: throw .unsupported("fractional number \(scalar.string)")
            default: return .string(scalar.string)
            }
        case .mapping(let mapping):
            var members: [(key: String, value: JSONValue)] = []
            for (key, value) in mapping {
                guard let name = key.string else { throw .unsupported("a mapping key that is not a string") }
                members.append((name, try json(value)))
            }
            return .object(JSONObject(members))
        case .sequence(let sequence):
            var elements: [JSONValue] = []
            for element in sequence { elements.append(try json(element)) }
            return .array(elements)
        case .alias:
            throw .unsupported("YAML aliases")
        }
    }
}

/// Why `docs/openapi.yaml` could not be read.
enum OpenAPIDocumentError: Error, CustomStringConvertible {
    case unreadable(String)
    case notYAML(String)
    case unsupported(String)

    var description: String {
        switch self {
        case .unreadable(let path): "cannot read \(path)"
        case .notYAML(let reason): "the document is not YAML: \(reason)"
        case .unsupported(let what): "the document uses \(what), which the conformance test does not read"
        }
    }
}
