import Foundation

/// An `application/x-www-form-urlencoded` body (or a query string), decoded: `+` is a space, `%XX` a byte.
struct FormFields: Sendable, Equatable {
    private var values: [String: [String]] = [:]

    init() {}

    init(encoded: String) {
        for pair in encoded.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            values[name, default: []].append(value)
        }
    }

    /// The first value of `name`; nil when absent or blank (an empty filter field means "any").
    subscript(_ name: String) -> String? {
        guard let value = values[name]?.first?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    private static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
