import Foundation
import GRDB

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

    static let columns = """
        id, kind, state, payload, priority, run_at, attempt, max_attempts, unique_key, worker, locked_until,
        created_at, updated_at, finished_at, last_error
        """

    init(row: Row) {
        id = row["id"]
        kind = row["kind"]
        state = JobState(rawValue: row["state"]) ?? .dead
        payload = row["payload"]
        priority = row["priority"]
        runAt = Date(millis: row["run_at"])
        attempt = row["attempt"]
        maxAttempts = row["max_attempts"]
        uniqueKey = row["unique_key"]
        worker = row["worker"]
        lockedUntil = (row["locked_until"] as Int64?).map(Date.init(millis:))
        createdAt = Date(millis: row["created_at"])
        updatedAt = Date(millis: row["updated_at"])
        finishedAt = (row["finished_at"] as Int64?).map(Date.init(millis:))
        lastError = row["last_error"]
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

    init(row: Row) {
        jobID = row["job_id"]
        attempt = row["attempt"]
        worker = row["worker"]
        startedAt = Date(millis: row["started_at"])
        durationMilliseconds = row["duration_ms"]
        outcome = AttemptOutcome(rawValue: row["outcome"]) ?? .dead
        error = row["error"]
        httpStatus = row["http_status"]
        responseExcerpt = row["response_excerpt"]
        note = row["note"]
        nextRunAt = (row["next_run_at"] as Int64?).map(Date.init(millis:))
    }
}

/// A job with its whole attempt history, oldest attempt first (`ocgate jobs show`).
public struct JobDetail: Sendable, Equatable {
    public var job: Job
    public var attempts: [JobAttempt]
}
