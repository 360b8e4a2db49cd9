import Foundation
import Logging
import Metrics

/// Runs jobs a store operation claimed for `holder`, a caller outside the worker pool that finishes at once what
/// it started (the hosted page's pay request issuing and delivering the proof of an instant charge). Each attempt
/// runs the kind's registered handler and ends exactly as in a worker's slot: fenced by the lease, read by the
/// kind's retry policy, logged and counted (`AttemptRecorder`).
///
/// No heartbeat renews the claim: a held attempt must end within `holder.lease` (a delivery is bounded by
/// `delivery.timeout`, well inside the default 30 s lease). Should the holder die or overrun it, the lease lapses
/// and a worker rescues the job, as after a worker's crash.
public struct HeldJobs: Sendable {
    public let holder: JobHolder
    private let registry: JobRegistry
    private let recorder: AttemptRecorder

    /// - Parameters:
    ///   - registry: the handlers and retry policies workers use for the same kinds; `holder` runs those of its
    ///     `kinds` that are registered.
    ///   - metrics: where attempt counters and durations go; the process's bootstrapped factory by default.
    public init(
        queue: any JobQueue, registry: JobRegistry, holder: JobHolder, time: any TimeSource, logger: Logger,
        metrics: any MetricsFactory = MetricsSystem.factory
    ) {
        var holder = holder
        holder.kinds = holder.kinds.intersection(registry.kinds)
        self.holder = holder
        self.registry = registry
        var logger = logger
        logger[metadataKey: "worker"] = "\(holder.worker)"
        recorder = AttemptRecorder(queue: queue, time: time, logger: logger, metrics: metrics)
    }

    /// Runs one attempt of `job` (claimed for `holder`) and records it. Returns the handler's outcome and the job
    /// its transaction claimed for `holder` to run next, if any.
    public func run(_ job: ClaimedJob) async -> (outcome: JobOutcome, next: ClaimedJob?) {
        let started = ContinuousClock.now
        let policy = registry.policy(for: job.kind)
        guard let handler = registry.handler(for: job.kind) else {
            let outcome = JobOutcome.retry(error: "no handler for \(job.kind)")
            _ = await recorder.record(job, outcome, policy: policy, since: started)
            return (outcome, nil)
        }
        let outcome = await handler.run(job)
        let (_, next) = await recorder.record(job, outcome, policy: policy, since: started)
        return (outcome, next)
    }

    /// Gives a job claimed for `holder` back to the queue unrun, without charging the attempt.
    public func release(_ job: ClaimedJob) async {
        await recorder.releaseUnstarted(job)
    }
}
