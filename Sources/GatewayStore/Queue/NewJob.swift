import Foundation

/// A job to enqueue.
public struct NewJob: Sendable, Equatable {
    /// The handler that runs it (for example `callback.deliver`).
    public var kind: String
    /// The handler's input, JSON by convention.
    public var payload: Data
    /// Lower runs first; ties go to the earlier `runAt`, then the older job.
    public var priority: Int
    /// Not before this instant; `nil` means now.
    public var runAt: Date?
    /// Overrides the kind's retry policy limit for this job.
    public var maxAttempts: Int?
    /// At most one job ever exists per key (until pruned); enqueueing it again returns the existing job.
    public var uniqueKey: String?
    /// The Merchant Gateway the job is about, for operators' filters (`JobFilter.mgOCID`); nil for none.
    public var mgOCID: UInt64?

    public init(
        kind: String, payload: Data = Data("{}".utf8), priority: Int = 0, runAt: Date? = nil,
        maxAttempts: Int? = nil, uniqueKey: String? = nil, mgOCID: UInt64? = nil
    ) {
        self.mgOCID = mgOCID
        self.kind = kind
        self.payload = payload
        self.priority = priority
        self.runAt = runAt
        self.maxAttempts = maxAttempts
        self.uniqueKey = uniqueKey
    }
}

/// What enqueueing one job did.
public struct EnqueueResult: Sendable, Equatable {
    /// The job's id: the new one, or the existing job's when its unique key was taken.
    public var id: Int64
    /// False when a job with the same unique key already existed.
    public var inserted: Bool

    package init(id: Int64, inserted: Bool) {
        self.id = id
        self.inserted = inserted
    }
}

extension NewJob {
    /// This job about `mgOCID`, unless its enqueuer named an MG already: for a store that enqueues a job inside an
    /// operation that knows the session, proof or statement it is about, when the caller could not name the MG.
    package func about(mg mgOCID: UInt64) -> NewJob {
        var job = self
        job.mgOCID = job.mgOCID ?? mgOCID
        return job
    }
}
