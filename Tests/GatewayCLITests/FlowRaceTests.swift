import Foundation
import GatewaySimulator
import Testing

/// Issue 6: two `ocgate work` processes claiming from the same queue never issue or deliver a proof twice.
struct FlowRaceTests {
    @Test func twoWorkerProcessesRacingIssueAndDeliverEachProofOnce() async throws {
        let flow = try await FlowFixture.make()
        defer { flow.webhook.stop() }
        // Each delivery takes a second, more than one process's four slots can absorb: both workers must take part.
        // (A worker delivers the proofs it issues in the same slot, so with the default 64 slots one process could
        // claim all 40 payments at once.)
        flow.webhook.inject(.hang(.seconds(1)))
        let server = try await flow.serve(workers: false)
        defer { FlowFixture.stop(server) }
        let first = try flow.work(concurrency: 4)
        defer { FlowFixture.stop(first) }
        let second = try flow.work(concurrency: 4)
        defer { FlowFixture.stop(second) }

        let paid = try await flow.paySessions(40, prefix: "ord_race")
        try await flow.expectExactlyOnce(paid, limit: .seconds(120))
        // Both processes ran proof jobs, so the single outcome above came out of a real race.
        let workers = try await flow.ledger().proofWorkers
        #expect(workers.count == 2, "\(workers)")
    }
}
