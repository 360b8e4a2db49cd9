import Foundation

// The kinds of value the configuration holds. Each is a computed property: formats hold closures,
// and building them on use keeps them out of shared mutable state.

extension ValueFormat where Value == String {
    /// Any string.
    static var text: Self {
        ValueFormat(expected: "a string", fromText: { $0 }, text: { $0 })
    }

    static var nonEmptyText: Self {
        text.checked("a non-empty string") { !$0.isEmpty }
    }

    /// One of a fixed set of words.
    static func oneOf(_ choices: [String]) -> Self {
        text.checked("one of " + choices.joined(separator: ", ")) { choices.contains($0) }
    }

    /// An absolute http or https URL with a host.
    static var httpURL: Self {
        text.checked("an absolute http(s) URL") { HTTPURLRule.isAbsoluteHTTP($0) }
    }

    /// An absolute http(s) URL that paths are appended to: no trailing slash, query or fragment.
    static var baseURL: Self {
        text.checked("an absolute http(s) URL without a trailing slash, query or fragment") {
            HTTPURLRule.isBase($0)
        }
    }

    /// A URL path prefix: empty, or `/` followed by segments, with no trailing slash.
    static var basePath: Self {
        text.checked("an empty string or a path like /ocgate (leading slash, no trailing slash)") { path in
            path.isEmpty || (path.hasPrefix("/") && !path.hasSuffix("/") && !path.contains("//")
                && !path.contains(where: { $0 == "?" || $0 == "#" || $0.isWhitespace }))
        }
    }

    /// A secp256k1 public key in hex: 128 (x‖y), 130 (`04` prefix) or 66 (compressed, `02`/`03`) characters.
    static var publicKeyHex: Self {
        text.checked("a public key of 128, 130 (04…) or 66 (02…/03…) hex characters") { key in
            guard key.allSatisfy(\.isHexDigit) else { return false }
            switch key.count {
            case 128: return true
            case 130: return key.hasPrefix("04")
            case 66: return key.hasPrefix("02") || key.hasPrefix("03")
            default: return false
            }
        }
    }

    /// A currency code as the protocol compares it: upper-case letters and digits (`USD`, `USDC`).
    static var currencyCode: Self {
        text.checked("a currency code of 3 to 12 upper-case letters or digits (USD, EUR, USDC)") { code in
            (3...12).contains(code.count) && code.allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber) }
        }
    }
}

extension ValueFormat where Value: RawRepresentable & CaseIterable, Value.RawValue == String {
    /// One of an enum's raw values.
    static var choice: Self {
        let names = Value.allCases.map(\.rawValue)
        return ValueFormat(
            expected: "one of " + names.joined(separator: ", "),
            fromText: { Value(rawValue: $0) }, text: { $0.rawValue })
    }
}

extension ValueFormat where Value == Bool {
    static var flag: Self {
        ValueFormat(
            expected: "true or false",
            fromText: { text in ["true": true, "false": false][text] },
            fromFile: { value in
                guard case .boolean(let flag) = value else { return nil }
                return flag
            },
            text: { String($0) })
    }
}

extension ValueFormat where Value == Int {
    static var integer: Self {
        ValueFormat(
            expected: "an integer",
            fromText: { Int($0) },
            fromFile: { value in
                guard case .integer(let number) = value else { return nil }
                return number
            },
            text: { String($0) })
    }

    /// A positive byte count: a TOML integer of bytes, or text like `65536`, `64KiB`, `1MiB`.
    static var byteSize: Self {
        ValueFormat(
            expected: "a positive byte size like 65536, 64KiB or 1MiB",
            fromText: { ByteSize.parse($0) },
            fromFile: { value in
                switch value {
                case .integer(let bytes): bytes
                case .string(let text): ByteSize.parse(text)
                default: nil
                }
            },
            text: ByteSize.format
        ).checked("a positive byte size like 65536, 64KiB or 1MiB") { $0 > 0 }
    }
}

extension ValueFormat where Value == UInt64 {
    /// An OCID: the protocol's non-negative integer.
    static var ocid: Self {
        ValueFormat(
            expected: "a non-negative integer",
            fromText: { text in isDecimal(text) ? UInt64(text) : nil },
            fromFile: { value in
                guard case .integer(let number) = value, number >= 0 else { return nil }
                return UInt64(number)
            },
            text: { String($0) })
    }
}

extension ValueFormat where Value == Int64 {
    /// A Unix time in whole seconds.
    static var unixSeconds: Self {
        ValueFormat(
            expected: "a non-negative integer of Unix seconds",
            fromText: { text in isDecimal(text) ? Int64(text) : nil },
            fromFile: { value in
                guard case .integer(let number) = value, number >= 0 else { return nil }
                return Int64(number)
            },
            text: { String($0) })
    }
}

extension ValueFormat where Value == Double {
    /// A finite number; TOML integers count too, so `per_second = 100` needs no `.0`.
    static var number: Self {
        ValueFormat(
            expected: "a number",
            fromText: { text in Double(text).flatMap { $0.isFinite ? $0 : nil } },
            fromFile: { value in
                switch value {
                case .float(let number) where number.isFinite: number
                case .integer(let number): Double(number)
                default: nil
                }
            },
            text: { String($0) })
    }
}

extension ValueFormat where Value == Duration {
    /// A non-negative duration: a TOML integer of seconds, or text like `500ms`, `30s`, `10m`, `72h`, `1d`.
    static var duration: Self {
        ValueFormat(
            expected: "a duration like 500ms, 30s, 10m, 72h or 1d",
            fromText: { Duration(configText: $0) },
            fromFile: { value in
                switch value {
                case .integer(let seconds) where seconds >= 0: .seconds(seconds)
                case .string(let text): Duration(configText: text)
                default: nil
                }
            },
            text: \.configText)
    }

    static var positiveDuration: Self {
        duration.checked("a positive duration like 500ms, 30s, 10m, 72h or 1d") { $0 > .zero }
    }
}

extension ValueFormat {
    /// A list: a TOML array in the file, comma-separated text in the environment (`USD,EUR`).
    static func list<Element>(of element: ValueFormat<Element>) -> ValueFormat<[Element]> where Value == [Element] {
        ValueFormat(
            expected: "a list of \(element.expected)",
            fromText: { text in
                let items = text.split(separator: ",", omittingEmptySubsequences: false)
                    .map { $0.trimmingCharacters(in: .whitespaces) }
                // An empty variable sets an empty list, not a list of one empty string.
                if items == [""] { return [] }
                return Self.all(items.map(element.fromText))
            },
            fromFile: { value in
                guard case .array(let items) = value else { return nil }
                return Self.all(items.map(element.fromFile))
            },
            text: { $0.map(element.text).joined(separator: ",") })
    }

    private static func all<Element>(_ items: [Element?]) -> [Element]? {
        let present = items.compactMap { $0 }
        return present.count == items.count ? present : nil
    }
}

/// Plain ASCII digits: the integer parsers also take a leading `+`, which a setting should not.
private func isDecimal(_ text: String) -> Bool {
    text.allSatisfy { $0.isASCII && $0.isNumber }
}

/// The URL shapes the configuration accepts.
private enum HTTPURLRule {
    static func isAbsoluteHTTP(_ text: String) -> Bool {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty
        else { return false }
        return true
    }

    static func isBase(_ text: String) -> Bool {
        guard isAbsoluteHTTP(text), let url = URLComponents(string: text) else { return false }
        return !text.hasSuffix("/") && url.query == nil && url.fragment == nil
    }
}
