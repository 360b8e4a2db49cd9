import Foundation
import GatewayCore
import GatewayStore
import GatewayTestSupport
import Logging
import Testing

/// Every job of a checkout names the MG it is about (`Job.mgOCID`), so an operator can list and replay one MG's
/// jobs: whoever enqueues it, the payment backend, the poll, the issuer or the store inside their operations.
struct JobMGTests {
    @Test func aCheckoutsJobsFromPaymentToDeliveryNameItsMG() async throws {
        let fixture = try ProofFixture()
        let session = try await fixture.storedSession()
        let sandbox = SandboxBackend(charges: fixture.stores.charges, settleDelay: .seconds(30), time: fixture.time)
        guard case .pending = try await sandbox.startCharge(for: session, choice: "delay", heldBy: nil) else {
            Issue.record("expected a pending charge")
            return
        }
        fixture.time.advance(by: .seconds(30))
        let poll = try #require(try await fixture.claim(PaymentPolling.kind).first)
        let polling = PaymentPolling(
            sessions: fixture.sessions, charges: fixture.stores.charges, backend: sandbox, time: fixture.time,
            logger: Logger(label: "test.job-mg"))
        guard case .succeeded = await polling.run(poll) else { Issue.record("the poll did not confirm the charge"); return }
        let issue = try #require(try await fixture.claim(ProofIssuer.kind).first)
        _ = await fixture.issuer().run(issue)
        #expect(try await fixture.proofs.proof(sessionID: session.id) != nil, "the proof was issued")

        let jobs = try await fixture.stores.jobs.list(JobFilter())
        #expect(Set(jobs.map(\.kind)) == ["session.open", "payment.poll", "proof.issue", "callback.deliver"])
        #expect(jobs.allSatisfy { $0.mgOCID == fixture.mgOCID }, "\(jobs.map { ($0.kind, $0.mgOCID) })")
        #expect(try await fixture.stores.jobs.count(matching: JobFilter(mgOCID: fixture.mgOCID)) == 4)
    }
}
