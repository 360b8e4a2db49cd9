import Foundation

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
}
