import Foundation
import GatewayStore
import Testing

/// `DeliveryStore.redeliver`: the proof back to pending and its delivery job queued with a fresh budget, in one
/// operation, whatever became of the job.
@Suite("DeliveryStore redelivery", .serialized)
struct RedeliveryTests {
    private let lease: Duration = .seconds(30)

    private func claimDelivery(_ fixture: StoreFixture) async throws -> ClaimedJob {
        try #require(try await fixture.jobs.claim(kinds: ["callback.deliver"], limit: 1, worker: "w", lease: lease).first)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func anAcceptedProofIsSentAgainWithItsHistoryKept(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let proof = try await fixture.provenSession()
        let job = try await claimDelivery(fixture)
        #expect(try await fixture.jobs.finish(job, .succeeded(note: "accepted")))
        try await fixture.deliveries.recordDelivery(of: proof, state: .accepted, at: fixture.now)
        fixture.clock.advance(by: .seconds(60))

        let redelivery = try await fixture.deliveries.redeliver(txid: proof.txid, job: Seed.deliveryJob(proof.txid))

        #expect(redelivery == Redelivery(jobID: job.id, queued: true))
        let stored = try #require(try await fixture.proofs.proof(txid: proof.txid))
        #expect(stored.deliveryState == .pending)
        #expect(stored.deliveredAt == nil)
        let detail = try #require(try await fixture.jobs.show(id: job.id))
        #expect(detail.job.state == .queued)
        #expect(detail.job.runAt == fixture.now)
        #expect(detail.job.finishedAt == nil)
        #expect(detail.job.attempt == 1, "the attempt count is kept")
        #expect(detail.attempts.count == 1, "the attempt log is kept")
        #expect(try await claimDelivery(fixture).id == job.id, "due now")
    }

    @Test(arguments: ConformanceBackend.allCases)
    func aDeadDeliveryGetsAFreshBudget(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let proof = try await fixture.provenSession()
        let job = try await claimDelivery(fixture)
        #expect(try await fixture.jobs.finish(job, .dead(AttemptFailure(error: "HTTP 410"))))
        try await fixture.deliveries.recordDelivery(of: proof, state: .rejected, at: fixture.now, mgAnswered: true)

        let redelivery = try await fixture.deliveries.redeliver(txid: proof.txid, job: Seed.deliveryJob(proof.txid))

        #expect(redelivery == Redelivery(jobID: job.id, queued: true))
        #expect(try await fixture.proofs.proof(txid: proof.txid)?.deliveryState == .pending)
        let again = try await claimDelivery(fixture)
        #expect(again.id == job.id)
        #expect(again.attempt == 2)
        #expect(again.budgetAttempt == 1, "the retry budget restarts")
    }

    @Test(arguments: ConformanceBackend.allCases)
    func aRunningDeliveryIsLeftToFinish(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let proof = try await fixture.provenSession()
        let job = try await claimDelivery(fixture)

        let redelivery = try await fixture.deliveries.redeliver(txid: proof.txid, job: Seed.deliveryJob(proof.txid))

        #expect(redelivery == Redelivery(jobID: job.id, queued: false))
        #expect(try await fixture.jobs.show(id: job.id)?.job.state == .running)
        #expect(try await fixture.jobs.finish(job, .succeeded(note: nil)), "the worker keeps its lease")
    }

    @Test(arguments: ConformanceBackend.allCases)
    func aQueuedDeliveryStaysAsItIs(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let proof = try await fixture.provenSession()
        let queued = try #require(try await fixture.job(uniqueKey: "callback.deliver:\(proof.txid)"))

        let redelivery = try await fixture.deliveries.redeliver(txid: proof.txid, job: Seed.deliveryJob(proof.txid))

        #expect(redelivery == Redelivery(jobID: queued.id, queued: true))
        #expect(try await fixture.jobs.show(id: queued.id)?.job == queued)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func aPrunedDeliveryIsEnqueuedAnew(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let proof = try await fixture.provenSession(mg: Seed.otherMG)
        let job = try await claimDelivery(fixture)
        #expect(try await fixture.jobs.finish(job, .succeeded(note: nil)))
        try await fixture.deliveries.recordDelivery(of: proof, state: .accepted, at: fixture.now)
        fixture.clock.advance(by: .seconds(3 * 86_400))
        #expect(try await fixture.jobs.prune(olderThan: .seconds(86_400)) == 1)

        let redelivery = try #require(
            try await fixture.deliveries.redeliver(txid: proof.txid, job: Seed.deliveryJob(proof.txid)))

        #expect(redelivery.queued)
        // A new row (SQLite may reuse the pruned row's id): no attempts, nothing run yet.
        let detail = try #require(try await fixture.jobs.show(id: redelivery.jobID))
        #expect(detail.attempts.isEmpty)
        #expect(detail.job.attempt == 0)
        let fresh = detail.job
        #expect(fresh.state == .queued)
        #expect(fresh.uniqueKey == "callback.deliver:\(proof.txid)")
        #expect(fresh.mgOCID == Seed.otherMG, "the store names the proof's MG")
        #expect(try await fixture.proofs.proof(txid: proof.txid)?.deliveryState == .pending)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func anUnknownTxidChangesNothing(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        #expect(try await fixture.deliveries.redeliver(txid: "tx_none", job: Seed.deliveryJob("tx_none")) == nil)
        #expect(try await fixture.jobs.count(matching: JobFilter()) == 0)
    }
}
