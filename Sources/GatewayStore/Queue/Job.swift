import Foundation

/// A job as operators see it in listings.
public struct Job: Sendable, Equatable {
    public var id: Int64
    public var kind: String
    public var state: JobState
    public var payload: Data
    public var priority: Int
    public var runAt: Date
    public var attempt: Int
    public var maxAttempts: Int?
    public var uniqueKey: String?
    /// The lease holder while running.
    public var worker: String?
    public var lockedUntil: Date?
    public var createdAt: Date
    public var updatedAt: Date
    public var finishedAt: Date?
    public var lastError: String?
    /// The Merchant Gateway the job is about, when its enqueuer named one.
    public var mgOCID: UInt64?

    package init(
        id: Int64, kind: String, state: JobState, payload: Data, priority: Int, runAt: Date, attempt: Int,
        maxAttempts: Int?, uniqueKey: String?, worker: String?, lockedUntil: Date?, createdAt: Date, updatedAt: Date,
        finishedAt: Date?, lastError: String?, mgOCID: UInt64? = nil
    ) {
        self.mgOCID = mgOCID
        self.id = id
        self.kind = kind
        self.state = state
        self.payload = payload
        self.priority = priority
        self.runAt = runAt
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.uniqueKey = uniqueKey
        self.worker = worker
        self.lockedUntil = lockedUntil
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.finishedAt = finishedAt
        self.lastError = lastError
    }
}

/// One row of the attempt log.
public struct JobAttempt: Sendable, Equatable {
    public var jobID: Int64
    public var attempt: Int
    public var worker: String?
    public var startedAt: Date
    public var durationMilliseconds: Int64
    public var outcome: AttemptOutcome
    public var error: String?
    public var httpStatus: Int?
    public var responseExcerpt: String?
    /// The handler's note on success.
    public var note: String?
    /// When the job runs next, for `retry`, `lease_lost` and `released`.
    public var nextRunAt: Date?

    package init(
        jobID: Int64, attempt: Int, worker: String?, startedAt: Date, durationMilliseconds: Int64,
        outcome: AttemptOutcome, error: String?, httpStatus: Int?, responseExcerpt: String?, note: String?,
        nextRunAt: Date?
    ) {
        self.jobID = jobID
        self.attempt = attempt
        self.worker = worker
        self.startedAt = startedAt
        self.durationMilliseconds = durationMilliseconds
        self.outcome = outcome
        self.error = error
        self.httpStatus = httpStatus
        self.responseExcerpt = responseExcerpt
        self.note = note
        self.nextRunAt = nextRunAt
    }
}

/// A job with its whole attempt history, oldest attempt first (`ocgate jobs show`).
public struct JobDetail: Sendable, Equatable {
    public var job: Job
    public var attempts: [JobAttempt]

    package init(job: Job, attempts: [JobAttempt]) {
        self.job = job
        self.attempts = attempts
    }
}
