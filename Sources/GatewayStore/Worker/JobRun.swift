import Foundation

/// One running attempt: its handler's result, a timeout, or a release at shutdown, whichever comes first.
///
/// Safe as `@unchecked Sendable`: `state` and `leaseLossNoted` are only touched under `lock`; the continuation is
/// taken out under the lock before it is resumed, so it is resumed once.
final class JobRun: @unchecked Sendable {
    private enum State {
        case running
        case waiting(CheckedContinuation<JobOutcome?, Never>)
        case ended(JobOutcome?)
    }

    let job: ClaimedJob
    /// When the attempt began, for the handler timeout.
    let started = ContinuousClock.now
    private let lock = NSLock()
    private var state = State.running
    private var leaseLossNoted = false

    init(job: ClaimedJob) {
        self.job = job
    }

    /// Whether the attempt has not ended yet.
    var isRunning: Bool {
        lock.withLock { if case .ended = state { false } else { true } }
    }

    /// The handler's outcome, a retry if the worker expired it (`expire(after:at:)`), or nil if the run was
    /// released first. The handler runs in its own task so a handler that ignores cancellation cannot hold up
    /// shutdown.
    func outcome(of handler: any JobHandler) async -> JobOutcome? {
        // Released before it started (shutdown right after the claim): the handler never runs.
        if case let .ended(outcome) = lock.withLock({ state }) { return outcome }
        let job = job
        let task = Task { self.end(with: await handler.run(job)) }
        let outcome = await withCheckedContinuation { continuation in
            let ended: JobOutcome?? = lock.withLock {
                if case let .ended(outcome) = state { return .some(outcome) }
                state = .waiting(continuation)
                return .none
            }
            if let ended { continuation.resume(returning: ended) }
        }
        task.cancel()
        return outcome
    }

    /// Stops waiting for the handler: the attempt ends as released.
    func release() {
        end(with: nil)
    }

    /// Ends the attempt as a retry if it has been running for `timeout` or longer at `now`.
    func expire(after timeout: Duration, at now: ContinuousClock.Instant) {
        guard now - started >= timeout else { return }
        end(with: .retry(error: "handler did not finish within \(timeout)"))
    }

    /// True the first time it is called: a lost lease is logged once per attempt.
    func noteLeaseLoss() -> Bool {
        lock.withLock {
            defer { leaseLossNoted = true }
            return !leaseLossNoted
        }
    }

    private func end(with outcome: JobOutcome?) {
        let continuation: CheckedContinuation<JobOutcome?, Never>? = lock.withLock {
            switch state {
            case .running:
                state = .ended(outcome)
                return nil
            case let .waiting(continuation):
                state = .ended(outcome)
                return continuation
            case .ended:
                return nil
            }
        }
        continuation?.resume(returning: outcome)
    }
}
