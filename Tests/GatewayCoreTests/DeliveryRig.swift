import Foundation
import GatewayConfig
import GatewayCore
import GatewayOutbound
import GatewaySimulator
import GatewayStore
import GatewayTestSupport
import Logging
import MetricsTestKit
import ServiceLifecycle
import Testing

/// A gateway's proof jobs running in the real worker runtime against a simulated MG on loopback, on a manual
/// clock: retry delays pass only when a test advances it.
struct DeliveryRig {
    let fixture: ProofFixture
    let webhook: SimulatedWebhook
    /// Between the gateway and the MG when a test breaks connections.
    let link: FlakyLink?
    let worker: JobWorker
    /// What the delivery handler counted (`ocgate_deliveries_total`), kept apart from every other test's.
    let metrics = TestMetrics()

    /// Retries wait exactly 10 s (no jitter) so a test can step through them. The timeout leaves a loaded machine
    /// ample time to answer: at 300 ms, and later at 3 s with every core busy, a simulated MG's prompt answer
    /// sometimes came too late. The test of a hanging MG sets its own.
    static let settings = DeliverySection(
        schedule: [.seconds(10)], giveUpAfter: .seconds(3600), timeout: .seconds(30), jitter: 0,
        breakerThreshold: 3, breakerPause: .seconds(60))

    /// - Parameter breaking: when given, the MG is reached through a `FlakyLink` that breaks connections as it says.
    init(
        settings: DeliverySection = Self.settings, mgChecking: SimulatedWebhook.Checking = .onReceipt,
        breaking: (@Sendable (FlakyLink.Arrival) -> FlakyLink.Action)? = nil
    ) async throws {
        fixture = try ProofFixture(delivery: settings)
        webhook = try await SimulatedWebhook.start(
            ocid: fixture.mgOCID, trusting: [fixture.gatewayMetadata], time: fixture.time, checking: mgChecking)
        var mg = webhook.party
        if let breaking {
            let link = try FlakyLink(upstreamPort: try #require(URLComponents(string: mg.endpoint)?.port), script: breaking)
            mg.endpoint = link.url
            self.link = link
        } else {
            link = nil
        }
        var registry = JobRegistry()
        let peers = InlinePeerDirectory([mg])
        GatewayJobs.registerProofs(
            into: &registry,
            gateway: Gateway(
                runtime: fixture.runtime, identity: fixture.identity, peers: peers,
                payments: SandboxBackend(charges: fixture.stores.charges, time: fixture.time), client: loopbackClient,
                slots: 4, checkoutURL: { "https://pg.example/pay/\($0)" }),
            logger: fixture.logs.logger)
        registry.register(
            ProofDelivery.kind, policy: settings.retryPolicy,
            handler: ProofDelivery(
                identity: fixture.identity, proofs: fixture.proofs, deliveries: fixture.deliveries, peers: peers,
                client: loopbackClient, settings: settings, time: fixture.time, logger: fixture.logs.logger,
                metrics: metrics))
        worker = JobWorker(
            queue: fixture.stores.jobs, registry: registry,
            configuration: JobWorkerConfiguration(concurrency: 4, pollInterval: .milliseconds(20)), time: fixture.time,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    /// A paid session whose order the MG waits for.
    func paidSession(amount: String = "42.00") async throws -> CheckoutSessionRecord {
        let (session, _) = try await fixture.paidSession(amount: amount)
        webhook.expect(orderID: session.orderID, merchantOCID: session.merchantOCID, amount: amount, currency: "USD")
        return session
    }

    /// Runs the worker while `body` runs, then shuts it down and stops the MG.
    func running(_ body: () async throws -> Void) async throws {
        defer {
            link?.stop()
            webhook.stop()
        }
        try await withServices([worker], body)
    }

    /// The delivery job of a session's proof, with its attempts.
    func delivery(of session: CheckoutSessionRecord) async throws -> JobDetail? {
        guard let proof = try await fixture.proofs.proof(sessionID: session.id),
            let job = try await fixture.jobs(ProofDelivery.kind).first(where: { $0.uniqueKey == "callback.deliver:\(proof.txid)" })
        else { return nil }
        return try await fixture.runtime.stores.jobs.show(id: job.id)
    }

    /// Waits for each of `count` failing attempts to be answered and rescheduled, advancing the clock past its
    /// 10 s retry delay each time.
    func stepThroughFailedAttempts(_ count: Int, of session: CheckoutSessionRecord) async throws {
        for answered in 1...count {
            try await expectEventually {
                try await delivery(of: session)?.job.state == .queued && webhook.requests.count == answered
            }
            fixture.time.advance(by: .seconds(10))
        }
    }

    /// `ocgate_deliveries_total` for the rig's MG and `outcome` (0 if never counted).
    func deliveries(_ outcome: String) -> Int64 {
        (try? metrics.expectCounter("ocgate_deliveries_total", [("mg", "\(fixture.mgOCID)"), ("outcome", outcome)]))?
            .totalValue ?? 0
    }

    /// Every session's delivery succeeded, or waits for a retry later than now with no attempt running.
    func settled(_ sessions: [CheckoutSessionRecord]) async throws -> Bool {
        for session in sessions {
            guard let job = try await delivery(of: session)?.job else { return false }
            guard job.state == .succeeded || (job.state == .queued && job.runAt > fixture.time.now()) else { return false }
        }
        return true
    }

    /// Every session's proof was accepted by the MG.
    func accepted(_ sessions: [CheckoutSessionRecord]) async throws -> Bool {
        for session in sessions {
            guard try await deliveryState(of: session) == .accepted else { return false }
        }
        return true
    }

    func deliveryState(of session: CheckoutSessionRecord) async throws -> DeliveryState? {
        try await fixture.proofs.proof(sessionID: session.id)?.deliveryState
    }
}

/// Records an issue where the caller stands if `condition` never held within `timeout`.
func expectEventually(
    within timeout: Duration = .seconds(120), sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async throws {
    let held = try await eventually(within: timeout, condition)
    #expect(held, "the condition did not hold within \(timeout)", sourceLocation: sourceLocation)
}
