import Foundation
import GatewayStore
import Opencharge

/// The test backend (`payment.backend = sandbox`, the default): the customer picks the outcome on the page.
/// Its charges live in the database, so any process can report them.
public struct SandboxBackend: PaymentBackend {
    /// The choice ids the page offers.
    public enum Outcome: String, Sendable, CaseIterable {
        case succeed, decline, delay
    }

    public let name = "sandbox"
    public let charges: any ChargeStore
    /// How long a `delay` charge stays pending before it succeeds.
    public let settleDelay: Duration
    public let time: any TimeSource

    public init(charges: any ChargeStore, settleDelay: Duration = .seconds(10), time: any TimeSource) {
        self.charges = charges
        self.settleDelay = settleDelay
        self.time = time
    }

    /// The reason a `decline` gives the customer.
    public static let declineReason = "The sandbox declined this payment (test outcome). No money was taken; you can try again."

    public var choices: [PaymentChoice] {
        [
            PaymentChoice(id: Outcome.succeed.rawValue, label: "Pay now (sandbox: succeeds)"),
            PaymentChoice(id: Outcome.decline.rawValue, label: "Pay now (sandbox: is declined)"),
            PaymentChoice(
                id: Outcome.delay.rawValue,
                label: "Pay now (sandbox: pending, succeeds after \(settleDelay.components.seconds) s)"),
        ]
    }

    public func startCharge(for session: CheckoutSessionRecord, choice: String, heldBy holder: JobHolder?)
        async throws(PaymentError) -> ChargeStart
    {
        guard let outcome = Outcome(rawValue: choice) else { throw .unknownChoice(choice) }
        let now = time.now()
        let reference = ChargeReference.make(prefix: "sbx_", at: now)
        let charge: ChargeRecord
        let job: NewJob
        switch outcome {
        case .decline:
            return .declined(reason: Self.declineReason)
        case .succeed:
            charge = ChargeRecord(
                reference: reference, sessionID: session.id, backend: name, state: .succeeded, settlesAt: nil, createdAt: now)
            job = ProofIssueJob(session: session.id, charge: reference).job(mgOCID: session.mgOCID)
        case .delay:
            let settlesAt = now.addingTimeInterval(TimeInterval(settleDelay.components.seconds))
            charge = ChargeRecord(
                reference: reference, sessionID: session.id, backend: name, state: .pending,
                settlesAt: Int64(settlesAt.timeIntervalSince1970), createdAt: now)
            job = PaymentPollJob(session: session.id, charge: reference).job(runAt: settlesAt, mgOCID: session.mgOCID)
        }
        let claim: SessionClaim
        let held: ClaimedJob?
        do {
            // Only a charge taken at once has a job its holder can run now; a `delay` charge's poll is due later.
            (claim, held) = try await charges.claim(
                sessionID: session.id, for: charge, job: job, heldBy: outcome == .succeed ? holder : nil, now: now)
        } catch {
            throw .unavailable("\(error)")
        }
        switch claim {
        case .claimed:
            return outcome == .succeed ? .succeeded(reference: reference, proofIssue: held) : .pending(reference: reference)
        case .notPayable(let current): return .notPayable(current)
        case .unknown: return .notPayable(session)
        }
    }

    /// A `delay` charge reports pending until its time has come, then succeeded.
    public func state(ofCharge reference: String) async throws(PaymentError) -> ChargeRecord.State {
        let stored: ChargeRecord?
        do {
            stored = try await charges.charge(reference: reference)
        } catch {
            throw .unavailable("\(error)")
        }
        guard let charge = stored, charge.backend == name else { throw .unknownCharge(reference) }
        if charge.state == .pending, let settlesAt = charge.settlesAt, settlesAt <= Int64(time.now().timeIntervalSince1970) {
            return .succeeded
        }
        return charge.state
    }
}
