import Foundation

/// What operators did through the console: one row per action, never changed or deleted by ocgate.
///
/// Guarantees: `record` is durable when it returns; ids grow with each record (per backend), so listings page by id.
public protocol AuditStore: Sendable {
    /// Stores an action; returns it with its id.
    @discardableResult
    func record(_ entry: NewAuditEntry) async throws -> AuditEntry

    /// Actions newest first: at most `limit`, with ids below `beforeID` when given (keyset pagination).
    func entries(beforeID: Int64?, limit: Int) async throws -> [AuditEntry]
}

/// An action to audit.
public struct NewAuditEntry: Sendable, Equatable {
    public var at: Date
    /// What was done: `job.retry`, `jobs.cancel`, `drain`, `resume`, `proof.redeliver`, `partner.disable`, …
    public var action: String
    /// What it was done to: a job id, a filter, a txid, an OCID.
    public var target: String
    /// The operator's client address as the console saw it.
    public var client: String
    /// What came of it (for example how many jobs a bulk retry requeued), or why it was refused.
    public var outcome: String

    public init(at: Date, action: String, target: String, client: String, outcome: String) {
        self.at = at
        self.action = action
        self.target = target
        self.client = client
        self.outcome = outcome
    }
}

/// An audited action as stored.
public struct AuditEntry: Sendable, Equatable {
    public var id: Int64
    public var at: Date
    public var action: String
    public var target: String
    public var client: String
    public var outcome: String

    public init(id: Int64, at: Date, action: String, target: String, client: String, outcome: String) {
        self.id = id
        self.at = at
        self.action = action
        self.target = target
        self.client = client
        self.outcome = outcome
    }
}
