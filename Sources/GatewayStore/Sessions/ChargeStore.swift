import Foundation

/// The charges payment backends start for sessions, and the session transitions a charge drives.
///
/// Guarantees every backend keeps, also across processes and hosts:
/// - `claim` is one atomic operation: the session's `pending → processing`, the charge row and the charge's job
///   commit together, and of concurrent claims of one session exactly one wins (a conditional update).
/// - `confirm` records the success and enqueues the proof job atomically; the job's unique key makes a second
///   confirmation (a poll run twice) enqueue nothing new.
/// - `fail` puts the session back to `pending` only while this charge still holds it.
/// - A charge reference is unique; `recordProcessorID` keeps the first id recorded.
public protocol ChargeStore: Sendable {
    /// Claims a pending, unexpired session for `charge`: the session becomes `processing` with the charge's
    /// reference, the charge is stored and `job` is enqueued, atomically. Only the first caller wins.
    /// - Parameter holder: when given and it runs `job`'s kind, `job` is enqueued already claimed for it (leased
    ///   like any claim: should the holder die, the lease lapses and a worker rescues the job), so no worker can
    ///   take it while the holder runs it; otherwise it is only enqueued.
    /// - Returns: the claim, and the job as claimed for `holder` when it was.
    func claim(sessionID: String, for charge: ChargeRecord, job: NewJob, heldBy holder: JobHolder?, now: Date)
        async throws -> (claim: SessionClaim, held: ClaimedJob?)

    /// The charge with this reference.
    func charge(reference: String) async throws -> ChargeRecord?

    /// Every charge started for a session, oldest first.
    func charges(sessionID: String) async throws -> [ChargeRecord]

    /// Records that the backend took the money for `reference` and enqueues `proofJob` atomically with it. The
    /// session's status and expiry are not consulted: a late payment still gets its proof (money was taken).
    func confirm(chargeReference reference: String, sessionID: String, proofJob: NewJob) async throws
        -> ChargeConfirmation

    /// Records that the charge `reference` failed for good and, if it still holds its session, puts the session
    /// back to `pending` (spec §13 item 12). Returns the session as it is now, or nil if it does not exist.
    func fail(chargeReference reference: String, sessionID: String, now: Date) async throws -> CheckoutSessionRecord?

    /// Records the id the processor gave the charge `reference`. The first id recorded stays: an idempotent start
    /// answered twice cannot re-point a charge. Returns the id the charge now has, nil for no such charge.
    func recordProcessorID(_ processorID: String, forCharge reference: String) async throws -> String?
}

extension ChargeStore {
    /// Claims a session for `charge` with `job` only enqueued (see `claim(sessionID:for:job:heldBy:now:)`).
    public func claim(sessionID: String, for charge: ChargeRecord, job: NewJob, now: Date) async throws -> SessionClaim {
        try await claim(sessionID: sessionID, for: charge, job: job, heldBy: nil, now: now).claim
    }
}

/// What claiming a session for a charge did.
public enum SessionClaim: Sendable, Equatable {
    /// The session moved `pending → processing`; the charge and its job committed with it.
    case claimed
    /// Nothing changed: the session is no longer payable (already claimed, cancelled, expired …), as it is now.
    case notPayable(CheckoutSessionRecord)
    /// No such session.
    case unknown
}

/// What recording a confirmed charge did.
public struct ChargeConfirmation: Sendable, Equatable {
    /// The session as it is after the confirmation (nil if it no longer exists).
    public var session: CheckoutSessionRecord?
    /// The proof job: new, or the one an earlier run already queued.
    public var proofJob: EnqueueResult

    public init(session: CheckoutSessionRecord?, proofJob: EnqueueResult) {
        self.session = session
        self.proofJob = proofJob
    }
}
