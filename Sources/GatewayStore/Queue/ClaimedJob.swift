import Foundation

/// A job a worker holds under lease. Its `(id, worker, attempt)` is the lease token every later state
/// change checks, so a worker that lost the lease can no longer change the job.
public struct ClaimedJob: Sendable, Equatable {
    public var id: Int64
    public var kind: String
    public var payload: Data
    public var priority: Int
    /// 1 on the first run; every claim adds one (a lapsed lease counts, a shutdown release does not).
    public var attempt: Int
    /// The job's own limit, if it set one; otherwise the kind's retry policy decides.
    public var maxAttempts: Int?
    public var uniqueKey: String?
    public var createdAt: Date
    /// The worker holding the lease.
    public var worker: String
    /// When this attempt was claimed.
    public var claimedAt: Date
    /// The attempt within the current retry budget (equals `attempt` until an operator retries the job).
    public var budgetAttempt: Int
    /// Where the give-up age is measured from: creation, or the last operator retry.
    public var budgetSince: Date
    /// How long the claim holds the job without a heartbeat.
    public var lease: Duration
    /// The kinds the holding worker runs. A handler may enqueue a job of one of them already claimed for that
    /// worker (`SQLiteJobQueue.enqueue(_:after:in:)`), which the worker then runs next in the same slot.
    public var workerKinds: Set<String>

    package init(
        id: Int64, kind: String, payload: Data, priority: Int, attempt: Int, maxAttempts: Int?, uniqueKey: String?,
        createdAt: Date, worker: String, claimedAt: Date, budgetAttempt: Int, budgetSince: Date, lease: Duration,
        workerKinds: Set<String>
    ) {
        self.id = id
        self.kind = kind
        self.payload = payload
        self.priority = priority
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.uniqueKey = uniqueKey
        self.createdAt = createdAt
        self.worker = worker
        self.claimedAt = claimedAt
        self.budgetAttempt = budgetAttempt
        self.budgetSince = budgetSince
        self.lease = lease
        self.workerKinds = workerKinds
    }
}
