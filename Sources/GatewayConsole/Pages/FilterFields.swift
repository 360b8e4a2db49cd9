import Foundation

/// Reading and writing the filter fields of a listing: what the query string asked for, checked, and the same
/// filter written back into links (the next page, the bulk confirmation).
struct FilterFields: Sendable {
    let fields: FormFields
    /// The names this listing reads, in the order links repeat them.
    let names: [String]

    /// The filter as a query string, without the page cursor.
    var query: String {
        names.compactMap { name in
            fields[name].map { "\(name)=\(Self.encode($0))" }
        }.joined(separator: "&")
    }

    /// The fields given, for hidden inputs and the form's values.
    var given: [(name: String, value: String)] {
        names.compactMap { name in fields[name].map { (name, $0) } }
    }

    var values: [String: String] {
        var values = Dictionary(uniqueKeysWithValues: given.map { ($0.name, $0.value) })
        values["query"] = query
        return values
    }

    func text(_ name: String) -> String? { fields[name] }

    func number<Number: FixedWidthInteger>(_ name: String, _ what: String) throws -> Number? {
        guard let text = fields[name] else { return nil }
        guard let number = Number(text) else { throw ConsoleError.badRequest("\(what) must be a whole number, not \"\(text)\"") }
        return number
    }

    func choice<Choice: RawRepresentable & CaseIterable>(_ name: String, _ type: Choice.Type) throws -> Choice?
    where Choice.RawValue == String {
        guard let text = fields[name] else { return nil }
        guard let choice = Choice(rawValue: text) else {
            let known = Choice.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConsoleError.badRequest("\(name) must be one of \(known), not \"\(text)\"")
        }
        return choice
    }

    /// An instant in UTC: the `datetime-local` form (`2026-12-04T10:15`, seconds optional) or ISO 8601 with a zone.
    func instant(_ name: String) throws -> Date? {
        guard let text = fields[name] else { return nil }
        for candidate in [text, text + ":00", text + "Z", text + ":00Z"] {
            if let date = try? Date(candidate, strategy: .iso8601) { return date }
        }
        throw ConsoleError.badRequest("\(name) must be a UTC time like 2026-12-04T10:15, not \"\(text)\"")
    }

    /// `since` and `until`, the time range every listing filters by; a range that ends before it starts is refused.
    func timeRange() throws -> (since: Date?, until: Date?) {
        let since = try instant("since")
        let until = try instant("until")
        if let since, let until, since >= until { throw ConsoleError.badRequest("since must be before until") }
        return (since, until)
    }

    /// Percent-encodes a value for a query string (everything but unreserved characters).
    static func encode(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    private static let unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// `datetime-local`'s value for an instant.
    static func localValue(_ date: Date) -> String {
        String(date.formatted(.iso8601).prefix(16))
    }
}
