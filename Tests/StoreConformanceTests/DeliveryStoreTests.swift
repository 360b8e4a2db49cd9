import Foundation
import GatewayStore
import Testing

/// `DeliveryStore`: where each proof's delivery stands and the per-MG circuit breakers.
@Suite("DeliveryStore", .serialized)
struct DeliveryStoreTests {
    @Test(arguments: ConformanceBackend.allCases)
    func recordDeliveryStoresTheAnswer(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        var proofs: [DeliveryState: StoredProof] = [:]
        for state in DeliveryState.allCases { proofs[state] = try await fixture.provenSession() }
        fixture.clock.advance(by: .seconds(7))

        for (state, proof) in proofs {
            #expect(try await fixture.deliveries.recordDelivery(of: proof, state: state, at: fixture.now) == nil)
        }

        for (state, proof) in proofs {
            #expect(try await fixture.proofs.proof(txid: proof.txid)?.deliveryState == state)
        }
        #expect(try await fixture.proofs.proof(txid: proofs[.accepted]!.txid)?.deliveredAt == fixture.now)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func recordDeliveryEndingTheAttemptRecordsItsSuccess(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let proof = try await fixture.provenSession()
        let job = try #require(
            try await fixture.jobs.claim(kinds: ["callback.deliver"], limit: 1, worker: "worker-1", lease: .seconds(30)).first)

        let held = try await fixture.deliveries.recordDelivery(
            of: proof, state: .accepted, at: fixture.now, ending: JobSuccess(job: job, note: "accepted"))

        #expect(held == true)
        let detail = try #require(try await fixture.jobs.show(id: job.id))
        #expect(detail.job.state == .succeeded)
        #expect(detail.attempts.map(\.note) == ["accepted"])
        #expect(try await fixture.proofs.proof(txid: proof.txid)?.deliveryState == .accepted)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func recordDeliveryEndingALostAttemptLeavesTheNewHoldersJob(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let proof = try await fixture.provenSession()
        let lost = try #require(
            try await fixture.jobs.claim(kinds: ["callback.deliver"], limit: 1, worker: "worker-1", lease: .seconds(30)).first)
        fixture.clock.advance(by: .seconds(31))
        let current = try #require(
            try await fixture.jobs.claim(kinds: ["callback.deliver"], limit: 1, worker: "worker-2", lease: .seconds(30)).first)

        let held = try await fixture.deliveries.recordDelivery(
            of: proof, state: .accepted, at: fixture.now, ending: JobSuccess(job: lost, note: "accepted"))

        #expect(held == false)
        let detail = try #require(try await fixture.jobs.show(id: lost.id))
        #expect(detail.job.state == .running)
        #expect(detail.job.worker == "worker-2")
        #expect(detail.attempts.map(\.outcome) == [.leaseLost])
        #expect(try await fixture.jobs.finish(current, .succeeded(note: nil)))
    }

    @Test(arguments: ConformanceBackend.allCases)
    func breakerOpensAtTheThresholdAndOnEveryFailureAfter(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let deliveries = fixture.deliveries
        #expect(try await deliveries.breaker(mgOCID: Seed.mg) == nil)

        let first = try await deliveries.recordDeliveryFailure(mgOCID: Seed.mg, threshold: 3, pause: .seconds(60), now: fixture.now)
        let second = try await deliveries.recordDeliveryFailure(mgOCID: Seed.mg, threshold: 3, pause: .seconds(60), now: fixture.now)
        #expect(first.consecutiveFailures == 1)
        #expect(second.consecutiveFailures == 2)
        #expect(second.isOpen(at: fixture.now) == false)

        fixture.clock.advance(by: .seconds(1))
        let third = try await deliveries.recordDeliveryFailure(mgOCID: Seed.mg, threshold: 3, pause: .seconds(60), now: fixture.now)
        #expect(third == DeliveryBreaker(mgOCID: Seed.mg, consecutiveFailures: 3, openUntil: fixture.now.addingTimeInterval(60), updatedAt: fixture.now))
        #expect(third.isOpen(at: fixture.now.addingTimeInterval(59)))
        #expect(third.isOpen(at: fixture.now.addingTimeInterval(60)) == false)
        #expect(try await deliveries.breaker(mgOCID: Seed.mg) == third)

        fixture.clock.advance(by: .seconds(90))
        let fourth = try await deliveries.recordDeliveryFailure(mgOCID: Seed.mg, threshold: 3, pause: .seconds(60), now: fixture.now)
        #expect(fourth.consecutiveFailures == 4)
        #expect(fourth.openUntil == fixture.now.addingTimeInterval(60))
        #expect(try await deliveries.breaker(mgOCID: Seed.otherMG) == nil)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func anAnswerClosesTheBreaker(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let proof = try await fixture.provenSession()
        for _ in 0..<3 {
            _ = try await fixture.deliveries.recordDeliveryFailure(mgOCID: Seed.mg, threshold: 2, pause: .seconds(60), now: fixture.now)
        }
        fixture.clock.advance(by: .seconds(1))

        try await fixture.deliveries.recordDelivery(of: proof, state: .rejected, at: fixture.now)

        let breaker = try await fixture.deliveries.breaker(mgOCID: Seed.mg)
        #expect(breaker?.consecutiveFailures ?? 0 == 0)
        #expect(breaker?.openUntil == nil)
        #expect(try await fixture.deliveries.troubledBreakers() == [])
        // Closed means counting from zero again.
        let next = try await fixture.deliveries.recordDeliveryFailure(mgOCID: Seed.mg, threshold: 2, pause: .seconds(60), now: fixture.now)
        #expect(next.consecutiveFailures == 1)
        #expect(next.openUntil == nil)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func theGatewayGivingUpLeavesTheBreakerAsItIs(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let proof = try await fixture.provenSession()
        var open: DeliveryBreaker?
        for _ in 0..<2 {
            open = try await fixture.deliveries.recordDeliveryFailure(mgOCID: Seed.mg, threshold: 2, pause: .seconds(60), now: fixture.now)
        }

        try await fixture.deliveries.recordDelivery(of: proof, state: .dead, at: fixture.now, mgAnswered: false)

        #expect(try await fixture.deliveries.breaker(mgOCID: Seed.mg) == open)
        #expect(try await fixture.proofs.proof(txid: proof.txid)?.deliveryState == .dead)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func concurrentFailuresAreEachCountedOnce(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let deliveries = fixture.deliveries
        let now = fixture.now

        _ = try await race(32) { _ in
            try await deliveries.recordDeliveryFailure(mgOCID: Seed.mg, threshold: 5, pause: .seconds(60), now: now)
        }

        let breaker = try #require(try await deliveries.breaker(mgOCID: Seed.mg))
        #expect(breaker.consecutiveFailures == 32)
        #expect(breaker.isOpen(at: now))
    }

    @Test(arguments: ConformanceBackend.allCases)
    func troubledBreakersListMostFailingFirst(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let answered = try await fixture.provenSession(mg: 4)
        for (mg, failures) in [(UInt64(1), 1), (2, 3), (3, 2), (4, 5)] {
            for _ in 0..<failures {
                _ = try await fixture.deliveries.recordDeliveryFailure(mgOCID: mg, threshold: 3, pause: .seconds(60), now: fixture.now)
            }
        }
        try await fixture.deliveries.recordDelivery(of: answered, state: .accepted, at: fixture.now)

        let troubled = try await fixture.deliveries.troubledBreakers()

        #expect(troubled.map(\.mgOCID) == [2, 3, 1])
        #expect(troubled.map(\.consecutiveFailures) == [3, 2, 1])
        #expect(troubled.map { $0.isOpen(at: fixture.now) } == [true, false, false])
    }
}
