import Foundation

/// A field of a protocol object that is missing or malformed; `field` is a path like
/// `order.items[0].price` so the caller can find it.
public struct ValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let field: String
    public let problem: String

    public init(field: String, problem: String) {
        self.field = field
        self.problem = problem
    }

    public var description: String { "\(field): \(problem)" }
}

/// Reads typed fields out of a JSON object and names the field in every error.
struct FieldReader {
    let object: JSONObject
    let path: String

    init(_ value: JSONValue, path: String) throws(ValidationError) {
        guard let object = value.objectValue else { throw ValidationError(field: path, problem: "must be an object") }
        self.object = object
        self.path = path
    }

    func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    private func present(_ key: String) -> JSONValue? {
        guard let value = object[key], !value.isNull else { return nil }
        return value
    }

    private func require(_ key: String) throws(ValidationError) -> JSONValue {
        guard let value = present(key) else { throw ValidationError(field: name(key), problem: "is required") }
        return value
    }

    func string(_ key: String, maxLength: Int) throws(ValidationError) -> String {
        guard let value = try optionalString(key, maxLength: maxLength) else {
            throw ValidationError(field: name(key), problem: "is required")
        }
        return value
    }

    func optionalString(_ key: String, maxLength: Int) throws(ValidationError) -> String? {
        guard let value = present(key) else { return nil }
        guard let text = value.stringValue else { throw ValidationError(field: name(key), problem: "must be a string") }
        guard !text.isEmpty else { throw ValidationError(field: name(key), problem: "must not be empty") }
        guard text.unicodeScalars.count <= maxLength else {
            throw ValidationError(field: name(key), problem: "must be at most \(maxLength) characters")
        }
        return text
    }

    func integer(_ key: String, in range: ClosedRange<Int64>) throws(ValidationError) -> Int64 {
        try Self.integer(try require(key), field: name(key), in: range)
    }

    func optionalInteger(_ key: String, in range: ClosedRange<Int64>) throws(ValidationError) -> Int64? {
        guard let value = present(key) else { return nil }
        return try Self.integer(value, field: name(key), in: range)
    }

    func ocid(_ key: String) throws(ValidationError) -> UInt64 {
        try Self.ocid(try require(key), field: name(key))
    }

    func amount(_ key: String) throws(ValidationError) -> String {
        let text = try string(key, maxLength: Limits.amountLength)
        guard DecimalAmount.isWellFormed(text) else {
            throw ValidationError(field: name(key), problem: "must be a decimal string like \"99.99\"")
        }
        return text
    }

    func currency(_ key: String) throws(ValidationError) -> String {
        let text = try string(key, maxLength: Limits.currencyLength)
        guard text.utf8.allSatisfy({ (0x21...0x7e).contains($0) }) else {
            throw ValidationError(field: name(key), problem: "must be a printable ASCII currency code")
        }
        return text
    }

    func array(_ key: String, maxCount: Int) throws(ValidationError) -> [JSONValue]? {
        guard let value = present(key) else { return nil }
        guard let elements = value.arrayValue else { throw ValidationError(field: name(key), problem: "must be an array") }
        guard elements.count <= maxCount else {
            throw ValidationError(field: name(key), problem: "must have at most \(maxCount) elements")
        }
        return elements
    }

    func child(_ key: String) throws(ValidationError) -> FieldReader {
        try FieldReader(try require(key), path: name(key))
    }

    func optionalChild(_ key: String) throws(ValidationError) -> FieldReader? {
        guard let value = present(key) else { return nil }
        return try FieldReader(value, path: name(key))
    }

    static func integer(_ value: JSONValue, field: String, in range: ClosedRange<Int64>) throws(ValidationError) -> Int64 {
        guard let number = value.numberValue else { throw ValidationError(field: field, problem: "must be an integer") }
        guard number.isIntegerLiteral, let integer = number.int64Value else {
            throw ValidationError(field: field, problem: "must be an integer, got \(number.literal)")
        }
        guard range.contains(integer) else {
            throw ValidationError(field: field, problem: "must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return integer
    }

    static func ocid(_ value: JSONValue, field: String) throws(ValidationError) -> UInt64 {
        guard let number = value.numberValue, number.isIntegerLiteral, let ocid = number.uint64Value else {
            throw ValidationError(field: field, problem: "must be a non-negative integer OCID")
        }
        return ocid
    }

    /// An absolute http(s) URL.
    static func isWebURL(_ text: String) -> Bool {
        guard text.utf8.count <= Limits.urlLength, let url = URL(string: text),
            let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else { return false }
        return true
    }
}

/// Length and count bounds on protocol fields, so no request can make the gateway store or render
/// unbounded text.
public enum Limits {
    public static let identifierLength = 200
    public static let textLength = 1_000
    public static let amountLength = 40
    public static let currencyLength = 16
    public static let urlLength = 2_048
    public static let items = 500
    public static let accepts = 1_000
}
