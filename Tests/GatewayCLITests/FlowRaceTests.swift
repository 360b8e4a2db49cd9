import Foundation
import GatewayCore
import GatewaySimulator
import GatewayTestSupport
import Testing

/// Issue 6: two `ocgate work` processes claiming from the same queue never deliver a proof twice, on every backend.
struct FlowRaceTests {
    @Test(arguments: TestBackend.allCases)
    func twoWorkerProcessesRacingDeliverEachProofOnce(backend: TestBackend) async throws {
        var flow = try await FlowFixture.make(backend: backend)
        // Every first attempt fails on purpose; the breaker must not pause the workers' retries for a minute.
        flow.environment["OCGATE_DELIVERY_BREAKER_THRESHOLD"] = "1000"
        defer { flow.webhook.stop() }
        // Each pay request issues its proof and makes the one delivery attempt of the page, which the MG refuses:
        // every delivery is left to the workers, which start only once all are paid. (`proof.issue` itself is held
        // by the pay request, so no worker can race it any more; the deliveries are what the workers race for.)
        flow.webhook.inject(.unavailable(times: 40))
        let server = try await flow.serve(workers: false)
        defer { FlowFixture.stop(server) }
        let paid = try await flow.paySessions(40, prefix: "ord_race")
        // Each delivery takes a second, more than one process's four slots can absorb: both workers must take part.
        flow.webhook.inject(.hang(.seconds(1)))
        let first = try flow.work(concurrency: 4)
        defer { FlowFixture.stop(first) }
        let second = try flow.work(concurrency: 4)
        defer { FlowFixture.stop(second) }

        try await flow.expectExactlyOnce(paid, limit: .seconds(120))
        // Both worker processes ran deliveries (besides the pay requests' first attempts), so the single outcome
        // above came out of a real race.
        let workers = try await flow.ledger().proofWorkers.filter { !$0.hasPrefix(AfterPayment.holderPrefix) }
        #expect(workers.count == 2, "\(workers)")
    }
}
