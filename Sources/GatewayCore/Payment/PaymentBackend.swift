import GatewayStore

/// A way to take the customer's money. The hosted page starts a charge through it; `payment.poll` asks it
/// how a charge it could not settle at once went.
public protocol PaymentBackend: Sendable {
    /// The name stored with each charge (`sandbox`, `http`).
    var name: String { get }
    /// What the hosted page offers the customer, in order.
    var choices: [PaymentChoice] { get }
    /// Starts a charge for a pending session with the customer's `choice` (one of `choices`). A charge that is
    /// taken or started claims the session, so a session is charged at most once however often this is called.
    /// - Parameter holder: who finishes a charge taken at once (the pay request, `AfterPayment`): the charge's
    ///   `proof.issue` job is claimed for it in the claim's transaction and returned with `.succeeded`, so no
    ///   worker takes it meanwhile. Nil, or a charge not taken at once: the job is only queued.
    func startCharge(for session: CheckoutSessionRecord, choice: String, heldBy holder: JobHolder?)
        async throws(PaymentError) -> ChargeStart
    /// Where a charge this backend started stands now.
    func state(ofCharge reference: String) async throws(PaymentError) -> ChargeRecord.State
}

extension PaymentBackend {
    /// Starts a charge whose jobs are only queued, for the workers.
    public func startCharge(for session: CheckoutSessionRecord, choice: String) async throws(PaymentError) -> ChargeStart {
        try await startCharge(for: session, choice: choice, heldBy: nil)
    }
}

/// One button on the hosted page.
public struct PaymentChoice: Sendable, Equatable {
    /// Sent back in the form's `choice` field.
    public let id: String
    /// What the button says.
    public let label: String

    public init(id: String, label: String) {
        self.id = id
        self.label = label
    }
}

/// What starting a charge did.
public enum ChargeStart: Sendable, Equatable {
    /// Money taken: the session is `processing` and its `proof.issue` job is queued, or claimed for the holder
    /// `startCharge` was given and returned here as `proofIssue` for it to run.
    case succeeded(reference: String, proofIssue: ClaimedJob? = nil)
    /// Started but not settled: the session is `processing` and a `payment.poll` job will ask again.
    case pending(reference: String)
    /// Refused; nothing changed, the session is still payable.
    case declined(reason: String)
    /// The session could not be claimed: someone paid, cancelled or it expired first. It is as it is now.
    case notPayable(CheckoutSessionRecord)
}

/// Why a backend could not start or report a charge.
public enum PaymentError: Error, Equatable, CustomStringConvertible {
    /// The form named a choice the backend does not offer.
    case unknownChoice(String)
    /// No charge with this reference was started here.
    case unknownCharge(String)
    /// The backend or its storage failed; retrying may help.
    case unavailable(String)

    public var description: String {
        switch self {
        case .unknownChoice(let choice): "unknown payment choice \(choice)"
        case .unknownCharge(let reference): "no charge \(reference)"
        case .unavailable(let problem): "the payment backend is unavailable: \(problem)"
        }
    }
}
