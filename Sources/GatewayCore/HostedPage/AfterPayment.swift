import Foundation
import GatewayConfig
import GatewayStore
import Logging

/// What the pay request does after a charge taken at once, before the browser is sent on (DESIGN.md "After
/// payment"): the proof is issued, the ledger credited and the session completed by the very `proof.issue` handler
/// a worker runs (one transaction, the same unique keys), then one delivery attempt goes to the MG, and the answer
/// waits for that attempt at most `wait` (`checkout.redirect_wait`).
///
/// The pay request is the holder of both jobs (`JobHolder`): the charge's claim enqueued `proof.issue` claimed for
/// it, and the issue's transaction claims the delivery for it, so no worker runs either meanwhile, and each
/// attempt ends through the queue like a worker's (`HeldJobs`). Should the process die in between, the leases lapse
/// and workers finish both. The delivery job exists before the attempt is sent (save before send).
public struct AfterPayment: Sendable {
    /// How the work stood when the browser was answered.
    public enum Finish: Sendable, Equatable {
        /// The proof is issued and the MG accepted it.
        case delivered
        /// The proof is issued; the MG has not accepted it (yet): the attempt failed, or was still running at the
        /// deadline and carries on, its outcome recorded when it ends. `callback.deliver` keeps its schedule.
        case issued
        /// The proof could not be issued now; the `proof.issue` job was ended as a retry, so a worker issues it.
        case notIssued
    }

    private let jobs: HeldJobs
    private let wait: Duration
    private let timer: @Sendable (Duration) async -> Void

    /// - Parameters:
    ///   - jobs: runs the held jobs; its holder must run `ProofIssuer.kind` and `ProofDelivery.kind`.
    ///   - wait: `checkout.redirect_wait`, counted from the moment the proof is issued.
    ///   - timer: returns once the given time has passed (a sleep); tests pass one they fire by hand.
    public init(
        jobs: HeldJobs, wait: Duration,
        timer: @escaping @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) }
    ) {
        self.jobs = jobs
        self.wait = wait
        self.timer = timer
    }

    /// How the name of a pay request's holder begins (`pay:<host>:<pid>:<random>`), so operators (and tests) can
    /// tell its attempts from a worker's.
    public static let holderPrefix = "pay:"

    /// The holder payment backends claim a charge's `proof.issue` for.
    public var holder: JobHolder { jobs.holder }

    /// Finishes the charge whose `proof.issue` job was claimed for `holder`, returning as soon as the MG accepted
    /// the proof or `wait` after the proof was issued, whichever comes first. The work runs in a task of its own:
    /// an attempt that outlives the deadline (or a browser that went away) is never cut off, and ends and records
    /// its outcome as any other.
    public func finish(_ proofIssue: ClaimedJob) async -> Finish {
        let answer = FinishAnswer()
        let (jobs, wait, timer) = (jobs, wait, timer)
        Task {
            let (issued, delivery) = await jobs.run(proofIssue)
            guard case .recorded = issued else {
                if let delivery { await jobs.release(delivery) }
                answer.give(.notIssued)
                return
            }
            // Issued (or found issued by an earlier run): a delivery is handed over only with a new proof.
            guard let delivery else { return answer.give(.issued) }
            let deadline = Task {
                await timer(wait)
                answer.give(.issued)
            }
            let (outcome, next) = await jobs.run(delivery)
            deadline.cancel()
            if let next { await jobs.release(next) }
            answer.give(outcome.isDelivered ? .delivered : .issued)
        }
        return await answer.value()
    }
}

extension JobOutcome {
    /// Whether a delivery attempt ended with the MG's acceptance (recorded with it, or found accepted before).
    fileprivate var isDelivered: Bool {
        switch self {
        case .recorded, .succeeded, .idle: true
        case .retry, .dead: false
        }
    }
}

/// The one answer of a `finish`: the first one given wins, later ones are dropped.
///
/// `@unchecked Sendable`: `state` is only touched under `lock`; the continuation is taken out under it and resumed
/// once.
private final class FinishAnswer: @unchecked Sendable {
    private enum State {
        case open
        case waiting(CheckedContinuation<AfterPayment.Finish, Never>)
        case given(AfterPayment.Finish)
    }

    private let lock = NSLock()
    private var state = State.open

    func give(_ finish: AfterPayment.Finish) {
        let waiting: CheckedContinuation<AfterPayment.Finish, Never>? = lock.withLock {
            switch state {
            case .open:
                state = .given(finish)
                return nil
            case .waiting(let continuation):
                state = .given(finish)
                return continuation
            case .given:
                return nil
            }
        }
        waiting?.resume(returning: finish)
    }

    func value() async -> AfterPayment.Finish {
        await withCheckedContinuation { continuation in
            let given: AfterPayment.Finish? = lock.withLock {
                if case .given(let finish) = state { return finish }
                state = .waiting(continuation)
                return nil
            }
            if let given { continuation.resume(returning: given) }
        }
    }
}

extension AfterPayment {
    /// The after-payment step of `gateway`'s pay requests: `proof.issue` and `callback.deliver` as its workers run
    /// them, held under a name of its own, waiting `checkout.redirect_wait`.
    public init(gateway: Gateway, logger: Logger) {
        var registry = JobRegistry()
        GatewayJobs.registerProofs(into: &registry, gateway: gateway, logger: logger)
        // No heartbeat renews a held claim: the lease must outlast the attempt, which `delivery.timeout` bounds.
        let lease = max(JobWorkerConfiguration().lease, gateway.configuration.delivery.timeout * 2)
        let holder = JobHolder(
            worker: Self.holderPrefix + JobWorkerConfiguration.defaultName(), lease: lease,
            kinds: [ProofIssuer.kind, ProofDelivery.kind])
        self.init(
            jobs: HeldJobs(queue: gateway.stores.jobs, registry: registry, holder: holder, time: gateway.time, logger: logger),
            wait: gateway.configuration.checkout.redirectWait)
    }
}
