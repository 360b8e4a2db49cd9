import Foundation
import GatewayStore
import Logging
import Opencharge

/// The `proof.issue` handler: turns a paid session into its signed transfer proof, the MG's ledger entry and
/// the delivery job, in one transaction (DESIGN.md lesson 1). Running it again for the same session does nothing
/// new: one session, one proof, one ledger entry, ever.
public struct ProofIssuer: JobHandler {
    /// The job kind (`ProofIssueJob`, enqueued when a charge succeeds).
    public static let kind = ProofIssueJob.kind

    private let identity: GatewayIdentity
    private let proofs: any ProofStore
    private let time: any TimeSource
    private let logger: Logger

    public init(identity: GatewayIdentity, proofs: any ProofStore, time: any TimeSource, logger: Logger) {
        self.identity = identity
        self.proofs = proofs
        self.time = time
        self.logger = logger
    }

    public func run(_ job: ClaimedJob) async -> JobOutcome {
        guard let arguments = ProofIssueJob(payload: job.payload) else {
            return .dead(error: "proof.issue payload is not {\"session\", \"charge\"}")
        }
        let (sessionID, charge) = (arguments.session, arguments.charge)
        let now = time.now()
        let identity = identity
        let issue: ProofIssue
        let held: Bool?
        let delivery: ClaimedJob?
        do {
            // The job's success commits with the proof (one commit instead of two on the single writer), and the
            // delivery is claimed for this worker, which runs it next without a claim of its own.
            (issue, held, delivery) = try await proofs.issue(
                sessionID: sessionID, now: now,
                build: { session in Self.proof(for: session, charge: charge, by: identity, at: now) },
                deliveryJob: { ProofDeliveryJob(txid: $0).job() }, ending: job)
        } catch {
            return .retry(error: "could not store the proof of \(sessionID): \(error)")
        }
        switch issue {
        case .unknownSession:
            logger.error("a charge was confirmed for an unknown session", metadata: ["session": "\(sessionID)", "charge": "\(charge)"])
            return .dead(error: "no session \(sessionID)")
        case .issued(let proof, late: true):
            logger.warning(
                "late payment honoured: the session had expired when its charge was confirmed",
                metadata: ["session": "\(sessionID)", "charge": "\(charge)", "txid": "\(proof.txid)"])
        case .issued, .existing:
            break
        }
        // Issued or found: the success is already recorded; only a new proof hands over a delivery.
        return .recorded(note: issue.note, held: held ?? false, next: delivery)
    }

    /// The signed proof of `session` paid by `charge` (spec §4.3, §13 item 7): to the merchant with the order id
    /// as reference, amount and currency copied from the order as received.
    static func proof(for session: CheckoutSessionRecord, charge: String, by identity: GatewayIdentity, at now: Date)
        -> StoredProof
    {
        let proof = TransferProof(
            txid: TransactionID.generate(), issuer: identity.ocid,
            from: TransferParty(ocid: identity.ocid, reference: charge),
            to: TransferParty(ocid: session.merchantOCID, reference: session.orderID), amount: session.amount,
            currency: session.currency, timestamp: Int64(now.timeIntervalSince1970), memo: "Payment for \(session.orderID)")
        return StoredProof(
            txid: proof.txid, sessionID: session.id, mgOCID: session.mgOCID,
            proofJSON: CanonicalJSON.string(proof.json), signature: identity.key.signObject(proof.json).hex,
            amount: proof.amount, currency: proof.currency, issuedAt: now)
    }
}
