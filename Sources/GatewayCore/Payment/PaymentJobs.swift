import Foundation
import GatewayStore
import Opencharge

/// The jobs a started charge leads to. Both carry `{"session": id, "charge": reference}`; their handlers live
/// with the proof issuer and the poller.
public enum PaymentJobs {
    /// Issues the proof of a paid session.
    public static let proofIssueKind = "proof.issue"
    /// Asks the backend again about a charge that was still pending.
    public static let paymentPollKind = "payment.poll"

    /// The `proof.issue` job of a paid session; its unique key makes a session's proof job exist once.
    public static func proofIssue(session: String, charge: String) -> NewJob {
        NewJob(kind: proofIssueKind, payload: payload(session: session, charge: charge), uniqueKey: "proof.issue:\(session)")
    }

    /// The `payment.poll` job for a pending charge, not run before `runAt`.
    public static func paymentPoll(session: String, charge: String, runAt: Date) -> NewJob {
        NewJob(
            kind: paymentPollKind, payload: payload(session: session, charge: charge), runAt: runAt,
            uniqueKey: "payment.poll:\(charge)")
    }

    private static func payload(session: String, charge: String) -> Data {
        Data(CanonicalJSON.encode(["session": .string(session), "charge": .string(charge)]))
    }
}
