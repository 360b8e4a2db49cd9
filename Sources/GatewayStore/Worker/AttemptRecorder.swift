import Foundation
import Logging
import Metrics

/// Ends an attempt the way every runner of jobs does (a `JobWorker`'s slot, a `HeldJobs` holder): the handler's
/// outcome read by the kind's retry policy, written to the queue fenced by the lease unless the handler recorded it
/// in its own transaction, then reported (`AttemptReport`: one log line and the attempt metrics).
struct AttemptRecorder: Sendable {
    let queue: any JobQueue
    let time: any TimeSource
    let logger: Logger
    let metrics: any MetricsFactory

    /// Records `outcome` (nil: the attempt was released unfinished) as `policy` reads it. Returns when the job is
    /// due again if it will be retried, and the job the handler claimed for the same holder to run next.
    func record(_ job: ClaimedJob, _ outcome: JobOutcome?, policy: RetryPolicy, since started: ContinuousClock.Instant)
        async -> (retryAt: Date?, next: ClaimedJob?)
    {
        guard let outcome else { return await record(job, .released, since: started) }
        let transition = policy.transition(after: outcome, of: job, now: time.now())
        switch outcome {
        case let .recorded(_, held, next):
            return await record(job, transition, recorded: held, next: next, since: started)
        case .idle:
            return await record(job, transition, quiet: true, since: started)
        case .succeeded, .retry, .dead:
            return await record(job, transition, since: started)
        }
    }

    /// Records `transition` (no handler's outcome behind it, or one already read); `quiet` logs a success at `debug`.
    func record(
        _ job: ClaimedJob, _ transition: JobTransition, recorded: Bool? = nil, next: ClaimedJob? = nil,
        quiet: Bool = false, since started: ContinuousClock.Instant
    ) async -> (retryAt: Date?, next: ClaimedJob?) {
        let recording: AttemptReport.Recording
        if let recorded {
            recording = recorded ? .held : .leaseLost
        } else {
            recording = await finish(job, transition)
        }
        AttemptReport(
            job: job, transition: transition, recording: recording, duration: ContinuousClock.now - started, quiet: quiet
        ).emit(to: logger, metrics: metrics)
        guard case .held = recording, case let .retry(at, _) = transition else { return (nil, next) }
        return (at, next)
    }

    /// Gives a claimed job that never started back to the queue, without charging the attempt.
    func releaseUnstarted(_ job: ClaimedJob) async {
        let recording = await finish(job, .released)
        AttemptReport(job: job, transition: .released, recording: recording, duration: .zero).emit(to: logger, metrics: metrics)
    }

    private func finish(_ job: ClaimedJob, _ transition: JobTransition) async -> AttemptReport.Recording {
        do {
            return try await queue.finish(job, transition) ? .held : .leaseLost
        } catch {
            return .failed(error)
        }
    }
}
