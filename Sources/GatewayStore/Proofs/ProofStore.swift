import Foundation

/// Transfer proofs and the MG ledger.
///
/// Guarantees every backend keeps, also when several workers on several hosts issue at once (DESIGN.md lessons 1
/// and 12):
/// - `issue` is one atomic operation: the proof, its ledger entry, the session's completion, the delivery job and
///   (when given) the `proof.issue` attempt's success commit together or not at all (save before send).
/// - One session has at most one proof and one ledger entry, ever: unique keys on the session and the txid decide
///   a race, never a read-then-write. A run that finds the proof issued writes nothing new but ensures its
///   delivery job while the delivery is pending.
/// - Ending the attempt is fenced by its lease: a worker that lost the lease records nothing about the job.
public protocol ProofStore: Sendable {
    /// Issues the proof of a paid session (see the protocol's guarantees).
    /// - Parameters:
    ///   - build: makes the signed proof from the session as stored. It runs before the atomic operation where it
    ///     can (signing is the costliest step, and a single writer would wait for it); what a proof takes from its
    ///     session never changes once the session exists. A proof built for a session that turns out completed is
    ///     dropped unseen.
    ///   - deliveryJob: the delivery job of a txid.
    ///   - job: the `proof.issue` attempt, ended as succeeded (with `ProofIssue.note`) in the same operation when a
    ///     proof is issued or found. A new proof's delivery job is then claimed for `job`'s worker when that worker
    ///     runs its kind, to be run next in the same slot.
    /// - Returns: what happened; whether `job`'s lease was held when its success was recorded (nil when no job was
    ///   given or there is no session); and the delivery job claimed for `job`'s worker, if one was.
    func issue(
        sessionID: String, now: Date,
        build: @escaping @Sendable (CheckoutSessionRecord) throws -> StoredProof,
        deliveryJob: @escaping @Sendable (String) -> NewJob, ending job: ClaimedJob?
    ) async throws -> (issue: ProofIssue, held: Bool?, delivery: ClaimedJob?)

    /// The proof with this txid.
    func proof(txid: String) async throws -> StoredProof?

    /// The proof of a session.
    func proof(sessionID: String) async throws -> StoredProof?

    /// The ledger entries payable to one MG, oldest first.
    func ledgerEntries(mgOCID: UInt64) async throws -> [LedgerEntry]

    /// The ledger entry of a proof.
    func ledgerEntry(txid: String) async throws -> LedgerEntry?

    /// Whether the session was completed by a payment confirmed after it had expired.
    func isLate(sessionID: String) async throws -> Bool
}

extension ProofStore {
    /// Issues without ending a job attempt.
    public func issue(
        sessionID: String, now: Date, build: @escaping @Sendable (CheckoutSessionRecord) throws -> StoredProof,
        deliveryJob: @escaping @Sendable (String) -> NewJob
    ) async throws -> (issue: ProofIssue, held: Bool?, delivery: ClaimedJob?) {
        try await issue(sessionID: sessionID, now: now, build: build, deliveryJob: deliveryJob, ending: nil)
    }
}

/// Where each proof's delivery stands, and the per-MG circuit breakers.
///
/// Guarantees: recording a delivery's answer, closing the MG's breaker and ending the attempt (when given) are one
/// atomic operation, the attempt fenced by its lease; every failure counted by `recordDeliveryFailure` is counted
/// exactly once however many workers and hosts fail at once (one atomic upsert, never read-then-write).
public protocol DeliveryStore: Sendable {
    /// The proof `job` delivers: the one `ProofStore.issue` handed over when it claimed `job` for its worker, or
    /// else the stored one.
    func proofToDeliver(txid: String, for job: ClaimedJob) async throws -> StoredProof?

    /// Records the MG's definitive answer to a delivery; an answer shows the MG is up, so its breaker closes.
    /// - Parameters:
    ///   - mgAnswered: false when the gateway itself gave up: the breaker stays as it is.
    ///   - success: the delivery attempt's success, recorded atomically with the answer.
    /// - Returns: whether `success`'s job still held its lease; nil without one.
    @discardableResult
    func recordDelivery(
        of proof: StoredProof, state: DeliveryState, at time: Date, mgAnswered: Bool, ending success: JobSuccess?
    ) async throws -> Bool?

    /// Counts a failed delivery to `mgOCID`; at `threshold` failures in a row (and on every failure after it) the
    /// breaker opens for `pause`. Returns the breaker as it is now.
    func recordDeliveryFailure(mgOCID: UInt64, threshold: Int, pause: Duration, now: Date) async throws
        -> DeliveryBreaker

    /// The breaker of one MG; nil if no delivery to it ever failed.
    func breaker(mgOCID: UInt64) async throws -> DeliveryBreaker?

    /// Every MG with failures counted or a pause set, most failing first (for `jobs stats`).
    func troubledBreakers() async throws -> [DeliveryBreaker]

    /// Sends a proof again, whatever its delivery state (the MG lost it, or an operator reconciled a rejection): in
    /// one atomic operation the proof's delivery state returns to `pending` and its delivery job (`job`, keyed by
    /// the txid) is queued now with a fresh retry budget, its attempt history kept; a job pruned meanwhile is
    /// enqueued anew. A running delivery job is left to finish and reported. Returns nil when no proof has `txid`.
    func redeliver(txid: String, job: NewJob) async throws -> Redelivery?
}

/// What asking for a redelivery did.
public struct Redelivery: Sendable, Equatable {
    /// The delivery job.
    public var jobID: Int64
    /// False when the job was running: it was left alone, and its own outcome stands.
    public var queued: Bool

    public init(jobID: Int64, queued: Bool) {
        self.jobID = jobID
        self.queued = queued
    }
}

extension DeliveryStore {
    /// Records an answer the MG gave, without ending a job attempt.
    @discardableResult
    public func recordDelivery(of proof: StoredProof, state: DeliveryState, at time: Date, mgAnswered: Bool = true)
        async throws -> Bool?
    {
        try await recordDelivery(of: proof, state: state, at: time, mgAnswered: mgAnswered, ending: nil)
    }

    /// Records an answer the MG gave and ends `success`'s attempt with it.
    @discardableResult
    public func recordDelivery(of proof: StoredProof, state: DeliveryState, at time: Date, ending success: JobSuccess)
        async throws -> Bool?
    {
        try await recordDelivery(of: proof, state: state, at: time, mgAnswered: true, ending: success)
    }
}
