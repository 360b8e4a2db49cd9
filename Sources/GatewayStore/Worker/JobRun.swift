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
    /// When the attempt began on the worker's time source, for the handler timeout.
    let started: Date
    private let lock = NSLock()
    private var state = State.running
    private var leaseLossNoted = false

    init(job: ClaimedJob, started: Date) {
        self.job = job
        self.started = started
    }

    /// Whether the attempt has not ended yet.
    var isRunning: Bool {
        lock.withLock { if case .ended = state { false } else { true } }
    }

    /// The handler's outcome, a retry if the worker expired it (`expire(after:at:)`), or nil if the run was
    /// released first. The handler runs in its own task so a handler that ignores cancellation cannot hold up
    /// shutdown. A handler that returns after its attempt ended that way may still have handed a job over to this
    /// worker (`JobOutcome.recorded(next:)`); nobody will run it here, so it goes to `orphaned`, which gives it
    /// back to the queue instead of leaving it claimed until its lease runs out.
    func outcome(
        of handler: any JobHandler, orphaned: @escaping @Sendable (ClaimedJob) async -> Void
    ) async -> JobOutcome? {
        // Released before it started (shutdown right after the claim): the handler never runs.
        if case let .ended(outcome) = lock.withLock({ state }) { return outcome }
        let job = job
        let task = Task {
            let outcome = await handler.run(job)
            if !self.end(with: outcome), case let .recorded(_, _, next?) = outcome { await orphaned(next) }
        }
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
    func expire(after timeout: Duration, at now: Date) {
        guard now >= started.adding(timeout) else { return }
        end(with: .retry(error: "handler did not finish within \(timeout)"))
    }

    /// True the first time it is called: a lost lease is logged once per attempt.
    func noteLeaseLoss() -> Bool {
        lock.withLock {
            defer { leaseLossNoted = true }
            return !leaseLossNoted
        }
    }

    /// Ends the attempt with `outcome`; false if it had already ended.
    @discardableResult
    private func end(with outcome: JobOutcome?) -> Bool {
        let (ended, continuation): (Bool, CheckedContinuation<JobOutcome?, Never>?) = lock.withLock {
            switch state {
            case .running:
                state = .ended(outcome)
                return (true, nil)
            case let .waiting(continuation):
                state = .ended(outcome)
                return (true, continuation)
            case .ended:
                return (false, nil)
            }
        }
        continuation?.resume(returning: outcome)
        return ended
    }
}
