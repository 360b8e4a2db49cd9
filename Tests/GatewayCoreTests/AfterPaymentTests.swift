import Foundation
import GatewayConfig
import GatewayCore
import GatewayOutbound
import GatewaySimulator
import GatewayStore
import GatewayTestSupport
import Testing

/// The deadline of `AfterPayment`, fired by the test: it records what it was armed with and returns only when fired.
private final class ManualTimer: @unchecked Sendable {
    private let lock = NSLock()
    private var armed: [Duration] = []
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private var fired = false

    /// The waits the timer was armed with, in order.
    var waits: [Duration] { lock.withLock { armed } }

    func wait(_ duration: Duration) async {
        await withCheckedContinuation { continuation in
            let now = lock.withLock {
                armed.append(duration)
                if !fired { waiting.append(continuation) }
                return fired
            }
            if now { continuation.resume() }
        }
    }

    /// Ends every wait, now and later.
    func fire() {
        let all = lock.withLock {
            fired = true
            defer { waiting = [] }
            return waiting
        }
        all.forEach { $0.resume() }
    }
}

/// The hosted checkout of a gateway finishing instant charges inline, against a simulated MG on loopback, on a manual
/// clock; no worker runs, so whatever happens is the pay request's doing.
private struct AfterPaymentRig {
    static let holder = JobHolder(worker: "pay:test", lease: .seconds(30), kinds: [ProofIssuer.kind, ProofDelivery.kind])

    let fixture: ProofFixture
    let webhook: SimulatedWebhook
    let timer = ManualTimer()
    let checkout: HostedCheckout

    init() async throws {
        fixture = try ProofFixture(delivery: DeliverySection(
            schedule: [.seconds(10)], giveUpAfter: .seconds(3600), timeout: .seconds(10), jitter: 0,
            breakerThreshold: 3, breakerPause: .seconds(60)))
        webhook = try await SimulatedWebhook.start(
            ocid: fixture.mgOCID, trusting: [fixture.gatewayMetadata], time: fixture.time, checking: .onReceipt)
        let peers = InlinePeerDirectory([webhook.party])
        let gateway = Gateway(
            runtime: fixture.runtime, identity: fixture.identity, peers: peers,
            payments: SandboxBackend(charges: fixture.stores.charges, time: fixture.time), client: loopbackClient, slots: 4,
            checkoutURL: { "https://pg.example/pay/\($0)" })
        var registry = JobRegistry()
        GatewayJobs.registerProofs(into: &registry, gateway: gateway, logger: fixture.logs.logger)
        let timer = timer
        let afterPayment = AfterPayment(
            jobs: HeldJobs(
                queue: fixture.stores.jobs, registry: registry, holder: Self.holder, time: fixture.time,
                logger: fixture.logs.logger),
            wait: .seconds(2), timer: { await timer.wait($0) })
        checkout = HostedCheckout(
            stores: fixture.stores, peers: peers, backend: nil, identity: fixture.identity, time: fixture.time,
            afterPayment: afterPayment)
    }

    /// A pending session whose order the MG expects.
    func session() async throws -> CheckoutSessionRecord {
        let session = try await fixture.storedSession(amount: "42.00")
        webhook.expect(orderID: session.orderID, merchantOCID: session.merchantOCID, amount: "42.00", currency: "USD")
        return session
    }

    func pay(_ session: CheckoutSessionRecord) async throws -> HostedPageResult {
        try await checkout.pay(
            sessionID: session.id, form: HostedForm(csrf: checkout.formToken.token(for: session.id), choice: "succeed"))
    }

    /// The session's job of `kind` with its attempts.
    func job(_ kind: String, of session: CheckoutSessionRecord) async throws -> JobDetail? {
        let key: String
        if kind == ProofIssuer.kind {
            key = "proof.issue:\(session.id)"
        } else {
            guard let txid = try await fixture.proofs.proof(sessionID: session.id)?.txid else { return nil }
            key = "callback.deliver:\(txid)"
        }
        guard let job = try await fixture.stores.jobs.jobs(uniqueKeys: [key]).first else { return nil }
        return try await fixture.stores.jobs.show(id: job.id)
    }

    func stop() {
        timer.fire()
        webhook.stop()
    }
}

@Suite("HostedPage after payment")
struct AfterPaymentTests {
    @Test func theBrowserGoesOnOnlyOnceTheProofIsStoredCreditedAndAcceptedByTheMG() async throws {
        let rig = try await AfterPaymentRig()
        defer { rig.stop() }
        let session = try await rig.session()

        let result = try await rig.pay(session)

        #expect(result == .redirect(session.successURL))
        // All of it before the answer, with no worker running: the pay request did it.
        let proof = try #require(try await rig.fixture.proofs.proof(sessionID: session.id))
        #expect(proof.deliveryState == .accepted)
        #expect(rig.webhook.acceptedBodies.count == 1)
        #expect(try await rig.fixture.proofs.ledgerEntry(txid: proof.txid) != nil)
        #expect(try await rig.fixture.sessions.session(id: session.id)?.status == SessionStatus.completed.rawValue)
        for kind in [ProofIssuer.kind, ProofDelivery.kind] {
            let job = try #require(try await rig.job(kind, of: session))
            #expect(job.job.state == .succeeded, "\(kind)")
            #expect(job.attempts.map(\.worker) == [AfterPaymentRig.holder.worker], "\(kind) ran once, held by the pay request")
        }
        #expect(rig.timer.waits == [.seconds(2)], "the deadline was armed once the proof was issued")
    }

    @Test func aSlowMGGetsTheBrowserSentOnAtTheDeadlineAndTheAttemptStillRecordsItsOutcome() async throws {
        let rig = try await AfterPaymentRig()
        defer { rig.stop() }
        let session = try await rig.session()
        // Longer than the test takes to fire the deadline, within the delivery timeout (10 s).
        rig.webhook.inject(.hang(.seconds(4)))

        let paying = Task { try await rig.pay(session) }
        try await expectEventually { rig.timer.waits == [.seconds(2)] }
        // The deadline runs: the proof is stored and the session completed, the MG has not answered.
        #expect(try await rig.fixture.proofs.proof(sessionID: session.id) != nil)
        #expect(try await rig.fixture.sessions.session(id: session.id)?.status == SessionStatus.completed.rawValue)
        rig.timer.fire()
        let result = try await paying.value

        #expect(result == .redirect(session.successURL))
        #expect(rig.webhook.acceptedBodies.isEmpty, "the 303 went out before the MG answered")
        // The attempt was not cut off: it ends, and its outcome is recorded on the proof and the job.
        try await expectEventually {
            try await rig.job(ProofDelivery.kind, of: session)?.job.state == .succeeded
        }
        #expect(try await rig.fixture.proofs.proof(sessionID: session.id)?.deliveryState == .accepted)
        #expect(rig.webhook.acceptedBodies.count == 1)
    }

    @Test func aFailedAttemptSendsTheBrowserOnAndLeavesTheDeliveryToItsSchedule() async throws {
        let rig = try await AfterPaymentRig()
        defer { rig.stop() }
        let session = try await rig.session()
        rig.webhook.inject(.unavailable(times: 1))

        // The deadline is never fired: the answer comes when the attempt fails.
        let result = try await rig.pay(session)

        #expect(result == .redirect(session.successURL))
        let delivery = try #require(try await rig.job(ProofDelivery.kind, of: session))
        #expect(delivery.job.state == .queued)
        #expect(delivery.job.runAt == rig.fixture.time.now().addingTimeInterval(10), "the schedule's first retry")
        #expect(delivery.attempts.map(\.outcome) == [.retry])
        #expect(try await rig.fixture.deliveries.breaker(mgOCID: rig.fixture.mgOCID)?.consecutiveFailures == 1)
        #expect(try await rig.fixture.proofs.proof(sessionID: session.id)?.deliveryState == .pending)
    }

    @Test func aPayRequestThatDiesBeforeItIssuesLeavesTheProofToAWorkerOnceItsLeaseLapses() async throws {
        let rig = try await AfterPaymentRig()
        defer { rig.stop() }
        let session = try await rig.session()
        // The charge commits with its `proof.issue` held by the pay request, which then dies without running it.
        let start = try await SandboxBackend(charges: rig.fixture.stores.charges, time: rig.fixture.time)
            .startCharge(for: session, choice: "succeed", heldBy: AfterPaymentRig.holder)
        guard case .succeeded(_, let held?) = start else { Issue.record("expected a held proof.issue, got \(start)"); return }
        #expect(held.worker == AfterPaymentRig.holder.worker)
        #expect(try await rig.fixture.claim(ProofIssuer.kind).isEmpty, "held: no worker takes it meanwhile")

        rig.fixture.time.advance(by: AfterPaymentRig.holder.lease + .seconds(1))
        let rescued = try #require(try await rig.fixture.claim(ProofIssuer.kind).first, "the lapsed lease is rescued")
        let outcome = await ProofIssuer(
            identity: rig.fixture.identity, proofs: rig.fixture.proofs, time: rig.fixture.time, logger: rig.fixture.logs.logger
        ).run(rescued)

        guard case .recorded(_, held: true, _) = outcome else { Issue.record("expected the issue recorded, got \(outcome)"); return }
        #expect(rescued.attempt == 2)
        #expect(try await rig.fixture.proofs.proof(sessionID: session.id) != nil)
        #expect(try await rig.fixture.ledgerCount() == 1)
    }

    @Test func aSecondIssueOfTheSameSessionFindsTheProofTheInlinePathIssued() async throws {
        let rig = try await AfterPaymentRig()
        defer { rig.stop() }
        let session = try await rig.session()
        _ = try await rig.pay(session)
        let proof = try #require(try await rig.fixture.proofs.proof(sessionID: session.id))

        // As `proof.issue` would if a worker ran it again (a rescued lease): nothing new is issued.
        let (issue, _, delivery) = try await rig.fixture.proofs.issue(
            sessionID: session.id, now: rig.fixture.time.now(), build: { _ in throw CancellationError() },
            deliveryJob: { ProofDeliveryJob(txid: $0).job() })

        #expect(issue == .existing(proof))
        #expect(delivery == nil)
        #expect(try await rig.fixture.ledgerCount() == 1)
    }
}
