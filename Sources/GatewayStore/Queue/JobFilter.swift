import Foundation

/// Which jobs a listing, a count or a bulk retry or cancel covers; every field left `nil` matches all.
public struct JobFilter: Sendable, Equatable {
    public var state: JobState?
    public var kind: String?
    /// Jobs about this Merchant Gateway (`Job.mgOCID`).
    public var mgOCID: UInt64?
    /// Last changed at or after this instant.
    public var since: Date?
    /// Last changed before this instant.
    public var until: Date?
    /// Jobs whose last error contains this text (case-insensitive, taken literally: no wildcards).
    public var errorContains: String?
    /// Keyset pagination: only jobs with an id below this one (the last id of the previous page). Listings only;
    /// counts and bulk actions ignore it.
    public var beforeID: Int64?
    /// At most this many jobs, newest first. Listings only; counts and bulk actions ignore it.
    public var limit: Int?

    public init(
        state: JobState? = nil, kind: String? = nil, mgOCID: UInt64? = nil, since: Date? = nil, until: Date? = nil,
        errorContains: String? = nil, beforeID: Int64? = nil, limit: Int? = nil
    ) {
        self.state = state
        self.kind = kind
        self.mgOCID = mgOCID
        self.since = since
        self.until = until
        self.errorContains = errorContains
        self.beforeID = beforeID
        self.limit = limit
    }
}
