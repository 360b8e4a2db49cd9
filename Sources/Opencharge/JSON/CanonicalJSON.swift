/// The byte forms of a JSON value that Opencharge signs (spec §2.3 and §2.4).
public enum CanonicalJSON {
    /// Recursive canonical JSON: keys sorted by UTF-16 code units at every level, no whitespace,
    /// strings escaped as JavaScript's `JSON.stringify` does, numbers in ECMAScript form.
    /// Byte-compatible with RFC 8785 for the data Opencharge carries. It is also the form ocgate sends.
    public static func encode(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        write(value, to: &out, allowList: nil)
        return out
    }

    /// The "replacer-array" form that many documentation snippets produce with
    /// `JSON.stringify(obj, Object.keys(obj).sort())`: the sorted top-level keys become an allow-list
    /// applied at every depth, in that order. Only used to verify signatures made by such code.
    public static func encodeLegacy(_ value: JSONValue) -> [UInt8] {
        guard case .object(let object) = value else { return encode(value) }
        var out: [UInt8] = []
        out.reserveCapacity(512)
        write(value, to: &out, allowList: object.keys.sorted(by: utf16Precedes))
        return out
    }

    /// `encode` as a String.
    public static func string(_ value: JSONValue) -> String { String(decoding: encode(value), as: UTF8.self) }

    private static func write(_ value: JSONValue, to out: inout [UInt8], allowList: [String]?) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n): out.append(contentsOf: ECMAScriptNumber.format(n).utf8)
        case .string(let s): writeString(s, to: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(element, to: &out, allowList: allowList)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            var first = true
            func member(_ key: String, _ value: JSONValue) {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                writeString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                write(value, to: &out, allowList: allowList)
            }
            if let allowList {
                for key in allowList { if let v = object[key] { member(key, v) } }
            } else {
                for m in object.members.sorted(by: { utf16Precedes($0.key, $1.key) }) { member(m.key, m.value) }
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// JSON.stringify's escaping: quote, backslash and control characters only; `/` and
    /// non-ASCII are written raw.
    static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(UInt8(ascii: "\\")); out.append(byte)
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(byte)
            case 0x08: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "b"))
            case 0x0c: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "f"))
            case 0x0a: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
            case 0x0d: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
            case 0..<0x20:
                out.append(contentsOf: "\\u00".utf8)
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0xf)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Orders strings by UTF-16 code units, as JavaScript's default sort and RFC 8785 do.
    static func utf16Precedes(_ a: String, _ b: String) -> Bool {
        var ai = a.utf8.makeIterator()
        var bi = b.utf8.makeIterator()
        // UTF-8 byte order equals UTF-16 order until a byte ≥ 0xEE (U+E000 and above) meets a
        // four-byte sequence, so compare bytes and fall back only when non-ASCII shows up.
        while true {
            switch (ai.next(), bi.next()) {
            case (nil, nil): return false
            case (nil, _): return true
            case (_, nil): return false
            case let (x?, y?):
                if x == y { continue }
                if x < 0x80 && y < 0x80 { return x < y }
                return a.utf16.lexicographicallyPrecedes(b.utf16)
            }
        }
    }
}

/// ECMAScript Number::toString for the numbers JSON can carry.
enum ECMAScriptNumber {
    static func format(_ number: JSONNumber) -> String {
        let literal = number.literal
        if number.isIntegerLiteral {
            // Integers stay exact, whatever their size; only "-0" changes (JSON.stringify(-0) is "0").
            return literal == "-0" ? "0" : literal
        }
        guard let value = Double(literal) else { return "null" }
        return format(value)
    }

    static func format(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == 0 { return "0" }
        let sign = value < 0 ? "-" : ""
        let (digits, exponent) = shortestDigits(abs(value))
        let k = digits.count
        let n = exponent  // value = 0.d1d2…dk × 10^n
        var body: String
        if k <= n && n <= 21 {
            body = digits + String(repeating: "0", count: n - k)
        } else if 0 < n && n <= 21 {
            let split = digits.index(digits.startIndex, offsetBy: n)
            body = digits[..<split] + "." + digits[split...]
        } else if -6 < n && n <= 0 {
            body = "0." + String(repeating: "0", count: -n) + digits
        } else {
            let e = n - 1
            let mantissa = k == 1 ? digits : String(digits.prefix(1)) + "." + String(digits.dropFirst())
            body = mantissa + "e" + (e >= 0 ? "+" : "-") + String(abs(e))
        }
        return sign + body
    }

    /// Shortest round-trip decimal digits of a positive finite double, and n such that the value is
    /// 0.digits × 10^n. Swift's description already yields the shortest round-trip digits.
    private static func shortestDigits(_ value: Double) -> (String, Int) {
        let text = value.description
        let parts = text.split(separator: "e", maxSplits: 1)
        let mantissa = parts[0]
        var exponent = parts.count > 1 ? Int(parts[1])! : 0
        let pieces = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let integerPart = String(pieces[0])
        let fractionPart = pieces.count > 1 ? String(pieces[1]) : ""
        var digits = integerPart + fractionPart
        exponent += integerPart.count
        while digits.hasPrefix("0") {
            digits.removeFirst()
            exponent -= 1
        }
        while digits.hasSuffix("0") { digits.removeLast() }
        return (digits, exponent)
    }
}
