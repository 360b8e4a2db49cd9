/// A JSON value exactly as it was received: object members keep their order, numbers keep their
/// literal text, so an order or proof can be verified over the object as transmitted.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

/// A JSON number kept as its literal text (integers of any size stay exact).
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The number as it appeared on the wire, e.g. `1706313600` or `1.5e3`.
    public let literal: String

    /// Wraps a literal that the caller guarantees is valid JSON number syntax.
    init(uncheckedLiteral literal: String) { self.literal = literal }

    public init(_ value: Int64) { self.literal = String(value) }
    public init(_ value: UInt64) { self.literal = String(value) }
    public init(_ value: Int) { self.literal = String(value) }

    /// True when the literal has no fraction and no exponent.
    public var isIntegerLiteral: Bool {
        !literal.utf8.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
    }

    /// The value as a non-negative 64-bit integer, if the literal is one.
    public var uint64Value: UInt64? { isIntegerLiteral ? UInt64(literal) : nil }
    /// The value as a signed 64-bit integer, if the literal is one.
    public var int64Value: Int64? { isIntegerLiteral ? Int64(literal) : nil }

    public var description: String { literal }
}

/// A JSON object whose members keep their received order. Keys are unique (the parser refuses
/// duplicates, because a signature over one copy would say nothing about the other).
public struct JSONObject: Sendable, Hashable {
    public private(set) var members: [(key: String, value: JSONValue)]

    public init(_ members: [(key: String, value: JSONValue)] = []) { self.members = members }

    public subscript(key: String) -> JSONValue? {
        get { members.first { $0.key == key }?.value }
        set {
            if let index = members.firstIndex(where: { $0.key == key }) {
                if let newValue { members[index].value = newValue } else { members.remove(at: index) }
            } else if let newValue {
                members.append((key, newValue))
            }
        }
    }

    public var keys: [String] { members.map(\.key) }
    public var count: Int { members.count }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.members.count == rhs.members.count
            && zip(lhs.members, rhs.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        for member in members {
            hasher.combine(member.key)
            hasher.combine(member.value)
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .number(JSONNumber(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements.map { (key: $0.0, value: $0.1) }))
    }
    public init(nilLiteral: ()) { self = .null }
}

extension JSONValue {
    public var objectValue: JSONObject? { if case .object(let o) = self { o } else { nil } }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    public var numberValue: JSONNumber? { if case .number(let n) = self { n } else { nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var isNull: Bool { if case .null = self { true } else { false } }

    /// A member of an object value, or nil for anything else.
    public subscript(key: String) -> JSONValue? { objectValue?[key] }

    /// An integer number value.
    public static func integer<T: BinaryInteger>(_ value: T) -> JSONValue {
        .number(JSONNumber(uncheckedLiteral: String(value)))
    }
}
