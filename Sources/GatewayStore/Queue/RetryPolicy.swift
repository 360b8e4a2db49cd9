import Foundation

/// When a failed job runs again, and when it is given up (`dead`).
///
/// The n-th failure within a job's retry budget waits `schedule[n-1]` (the last entry repeats), stretched
/// or shrunk by up to `jitter` of itself. A job is dead when it used `maxAttempts` attempts, or when its
/// next attempt would start after `giveUpAfter` has passed since the budget began (job creation, or the
/// last operator retry).
public struct RetryPolicy: Sendable, Equatable {
    public var schedule: [Duration]
    /// A fraction: 0.2 means each delay is scaled by a random factor in [0.8, 1.2].
    public var jitter: Double
    /// `nil`: no attempt limit, only `giveUpAfter`.
    public var maxAttempts: Int?
    /// `nil`: no age limit, only `maxAttempts`.
    public var giveUpAfter: Duration?

    public init(schedule: [Duration], jitter: Double = 0.2, maxAttempts: Int?, giveUpAfter: Duration? = nil) {
        precondition(!schedule.isEmpty, "a retry schedule needs at least one delay")
        self.schedule = schedule
        self.jitter = jitter
        self.maxAttempts = maxAttempts
        self.giveUpAfter = giveUpAfter
    }

    /// For kinds registered without one: 5 attempts, waiting 1 s, 5 s, 30 s, 2 min, 10 min.
    public static let standard = RetryPolicy(
        schedule: [.seconds(1), .seconds(5), .seconds(30), .seconds(120), .seconds(600)],
        maxAttempts: 5)

    /// The delay after the `failure`-th failure (1-based), before jitter.
    public func baseDelay(afterFailure failure: Int) -> Duration {
        schedule[min(max(failure, 1), schedule.count) - 1]
    }

    /// Turns a handler's outcome into the job's next state.
    ///
    /// A `Retry-After` from the peer replaces the schedule's delay for that attempt (no jitter) but still
    /// counts as an attempt, so a peer that always answers 429 cannot keep a job alive past its limits.
    public func transition(
        after outcome: JobOutcome, of job: ClaimedJob, now: Date,
        random: (ClosedRange<Double>) -> Double = { Double.random(in: $0) }
    ) -> JobTransition {
        switch outcome {
        case let .succeeded(note), let .idle(note), let .recorded(note, _, _):
            return .succeeded(note: note)
        case let .dead(failure):
            return .dead(failure)
        case let .retry(failure, retryAfter):
            if let limit = job.maxAttempts ?? maxAttempts, job.budgetAttempt >= limit {
                return .dead(failure.givenUp("after \(job.budgetAttempt) attempts"))
            }
            let delay = retryAfter ?? baseDelay(afterFailure: job.budgetAttempt) * random((1 - jitter)...(1 + jitter))
            let next = now.adding(delay)
            if let giveUpAfter, next > job.budgetSince.adding(giveUpAfter) {
                return .dead(failure.givenUp("next attempt would pass the \(giveUpAfter) limit"))
            }
            return .retry(at: next, failure)
        }
    }

    /// The failure that ends the job when `outcome` is a retry this policy turns into `dead` (it spends the
    /// attempts or the age limit); nil otherwise. Judged without jitter, so a handler can record the end in its
    /// own rows before the queue marks the job dead.
    public func finalFailure(after outcome: JobOutcome, of job: ClaimedJob, now: Date) -> AttemptFailure? {
        guard case .retry = outcome, case .dead(let failure) = transition(after: outcome, of: job, now: now, random: { _ in 1 })
        else { return nil }
        return failure
    }

    /// Whether a job claimed again after lost leases has already used its budget, so it must not run.
    func isExhausted(_ job: ClaimedJob, now: Date) -> Bool {
        if let limit = job.maxAttempts ?? maxAttempts, job.budgetAttempt > limit { return true }
        if let giveUpAfter, now > job.budgetSince.adding(giveUpAfter) { return true }
        return false
    }
}

extension AttemptFailure {
    func givenUp(_ reason: String) -> AttemptFailure {
        var copy = self
        copy.error = "gave up \(reason): \(error)"
        return copy
    }
}
