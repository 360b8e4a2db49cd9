/// Where a job is in its life: `queued → running → succeeded | queued (retry) | dead | cancelled`.
public enum JobState: String, Sendable, Codable, CaseIterable {
    /// Waiting for `run_at` and a free worker (a future `run_at` is a scheduled retry).
    case queued
    /// Claimed by a worker that holds its lease.
    case running
    /// Done; kept until pruned.
    case succeeded
    /// Failed for good; kept for operators until retried.
    case dead
    /// Stopped by an operator before it ran.
    case cancelled
}

/// How one attempt ended, as written in the attempt log.
public enum AttemptOutcome: String, Sendable, Codable, CaseIterable {
    case succeeded
    /// Failed; another attempt is scheduled.
    case retry
    /// Failed for good.
    case dead
    /// The worker's lease lapsed (it died or hung); the job was rescued and runs again.
    case leaseLost = "lease_lost"
    /// Handed back by a worker shutting down; not charged as an attempt.
    case released
}
