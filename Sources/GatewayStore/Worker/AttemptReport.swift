import Foundation
import Logging
import Metrics

/// What one finished attempt tells an operator: exactly one log line (job id, kind, attempt, outcome, duration,
/// unique key) and the attempt metrics, `ocgate_job_attempts_total{kind,outcome}` and
/// `ocgate_job_attempt_duration_seconds{kind}`.
struct AttemptReport {
    /// How writing the attempt's outcome to the queue went.
    enum Recording {
        case held
        /// The worker no longer held the lease; the queue kept the newer outcome.
        case leaseLost
        /// The queue could not be written; the lease will lapse and the job runs again.
        case failed(any Error)
    }

    let job: ClaimedJob
    let transition: JobTransition
    let recording: Recording
    let duration: Duration
    /// The handler found nothing to do (`JobOutcome.idle`): a success is logged at `debug`.
    var quiet = false

    /// The `outcome` label and log field: an `AttemptOutcome` name, or `unrecorded` when the queue write failed.
    var outcome: String {
        switch recording {
        case .leaseLost: return AttemptOutcome.leaseLost.rawValue
        case .failed: return "unrecorded"
        case .held: break
        }
        return switch transition {
        case .succeeded: AttemptOutcome.succeeded.rawValue
        case .retry: AttemptOutcome.retry.rawValue
        case .dead: AttemptOutcome.dead.rawValue
        case .released: AttemptOutcome.released.rawValue
        }
    }

    var level: Logger.Level {
        switch (recording, transition) {
        case (.failed, _), (.held, .dead): .error
        case (.leaseLost, _): .warning
        case (.held, .succeeded) where quiet: .debug
        default: .info
        }
    }

    var metadata: Logger.Metadata {
        var fields: Logger.Metadata = [
            "job": "\(job.id)", "kind": "\(job.kind)", "attempt": "\(job.attempt)", "outcome": "\(outcome)",
            "duration_ms": "\(duration.millis)",
        ]
        if let key = job.uniqueKey { fields["unique_key"] = "\(key)" }
        switch transition {
        case let .retry(at, failure):
            fields["error"] = "\(failure.error)"
            fields["next"] = "\(at)"
        case let .dead(failure):
            fields["error"] = "\(failure.error)"
        case .succeeded, .released:
            break
        }
        if let status = transition.failure?.httpStatus { fields["http_status"] = "\(status)" }
        if case let .failed(error) = recording { fields["store_error"] = "\(error)" }
        return fields
    }

    func emit(to logger: Logger, metrics: any MetricsFactory) {
        logger.log(level: level, "job attempt", metadata: metadata)
        Counter(label: "ocgate_job_attempts_total", dimensions: [("kind", job.kind), ("outcome", outcome)], factory: metrics)
            .increment()
        Metrics.Timer(label: "ocgate_job_attempt_duration_seconds", dimensions: [("kind", job.kind)], factory: metrics)
            .recordSeconds(duration.seconds)
    }
}

extension JobTransition {
    fileprivate var failure: AttemptFailure? {
        switch self {
        case let .retry(_, failure), let .dead(failure): failure
        case .succeeded, .released: nil
        }
    }
}
