import Foundation
import GRDB

/// Which jobs a listing or a bulk retry covers; every field left `nil` matches all.
public struct JobFilter: Sendable, Equatable {
    public var state: JobState?
    public var kind: String?
    /// Last changed at or after this instant.
    public var since: Date?
    /// Last changed before this instant.
    public var until: Date?
    /// At most this many jobs, newest first.
    public var limit: Int?

    public init(state: JobState? = nil, kind: String? = nil, since: Date? = nil, until: Date? = nil, limit: Int? = nil) {
        self.state = state
        self.kind = kind
        self.since = since
        self.until = until
        self.limit = limit
    }

    /// The WHERE clause and its arguments (always valid SQL, `1` when nothing is filtered).
    var whereClause: (sql: String, arguments: StatementArguments) {
        var terms = ["1"]
        var arguments = StatementArguments()
        if let state { terms.append("state = ?"); arguments += [state.rawValue] }
        if let kind { terms.append("kind = ?"); arguments += [kind] }
        if let since { terms.append("updated_at >= ?"); arguments += [since.millis] }
        if let until { terms.append("updated_at < ?"); arguments += [until.millis] }
        return (terms.joined(separator: " AND "), arguments)
    }
}
