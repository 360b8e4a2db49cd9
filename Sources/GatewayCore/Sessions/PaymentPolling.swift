import Foundation
import GatewayStore
import Logging

/// Runs `payment.poll`: asks the payment backend about a charge that was still pending when it started.
///
/// - pending: asks again after a backoff that doubles from 2 s up to 1 min, until the session's expiry has passed:
///   then the job goes dead (polling stops; `ocgate jobs retry` asks again, and a success found then is honoured);
/// - succeeded: records it and enqueues the session's `proof.issue` (unique per session) in one transaction,
///   even when the session expired meanwhile: the money was taken, so the proof is owed (late payment);
/// - failed: records it and puts the session back to `pending`, payable again until it expires (spec §13
///   item 12; the expiry sweep takes it from there).
public struct PaymentPolling: JobHandler {
    /// The job kind (`PaymentPollJob`, enqueued by a backend).
    public static let kind = PaymentPollJob.kind

    /// Polls without an attempt limit, for a day: a charge pending that long needs an operator (the job goes
    /// dead, which `jobs list --state dead` shows), not more polling.
    public static let retryPolicy = RetryPolicy(
        schedule: [.seconds(2), .seconds(5), .seconds(15), .seconds(60)], maxAttempts: nil,
        giveUpAfter: .seconds(86_400))

    public let sessions: any CheckoutSessionStore
    public let charges: any ChargeStore
    public let backend: any PaymentBackend
    public let time: any TimeSource
    public let logger: Logger

    public init(
        sessions: any CheckoutSessionStore, charges: any ChargeStore, backend: any PaymentBackend, time: any TimeSource,
        logger: Logger
    ) {
        self.sessions = sessions
        self.charges = charges
        self.backend = backend
        self.time = time
        self.logger = logger
    }

    /// The wait before asking again about a charge still pending at the `attempt`-th poll (1-based).
    public static func backoff(afterAttempt attempt: Int) -> Duration {
        .seconds(min(2 << min(max(attempt, 1) - 1, 5), 60))
    }

    public func run(_ job: ClaimedJob) async -> JobOutcome {
        guard let payload = PaymentPollJob(payload: job.payload) else {
            return .dead(error: "payload names no session and charge: \(String(decoding: job.payload, as: UTF8.self))")
        }
        let charge = payload.charge
        let state: ChargeRecord.State
        do {
            state = try await backend.state(ofCharge: charge)
        } catch .unknownCharge(let reference) {
            return .dead(error: "the \(backend.name) backend knows no charge \(reference)")
        } catch {
            return .retry(error: error.description)
        }
        do {
            switch state {
            case .pending:
                if let session = try await sessions.session(id: payload.session),
                    session.expiresAt <= Int64(time.now().timeIntervalSince1970)
                {
                    return .dead(
                        error: "charge \(charge) still pending when session \(payload.session) expired; polling stopped")
                }
                return .retry(
                    error: "charge \(charge) is still pending", after: Self.backoff(afterAttempt: job.attempt))
            case .succeeded:
                return try await confirm(charge: charge, session: payload.session)
            case .failed:
                let session = try await charges.fail(chargeReference: charge, sessionID: payload.session, now: time.now())
                return .succeeded(note: "charge \(charge) failed; session \(session?.status ?? "missing")")
            }
        } catch {
            return .retry(error: "storage: \(error)")
        }
    }

    private func confirm(charge: String, session id: String) async throws -> JobOutcome {
        let confirmation = try await charges.confirm(
            chargeReference: charge, sessionID: id, proofJob: ProofIssueJob(session: id, charge: charge).job())
        let nowSeconds = Int64(time.now().timeIntervalSince1970)
        if let session = confirmation.session, session.expiresAt <= nowSeconds {
            logger.warning(
                "late payment honoured: the charge succeeded after the session expired",
                metadata: ["session": "\(id)", "charge": "\(charge)"])
            return .succeeded(note: "charge \(charge) succeeded after the session expired; proof.issue queued")
        }
        let queued = confirmation.proofJob.inserted ? "queued" : "already queued"
        return .succeeded(note: "charge \(charge) succeeded; proof.issue \(queued) as job \(confirmation.proofJob.id)")
    }
}
