import Foundation
import GatewayStore
import Testing

/// `ChargeStore`: claiming a session for a charge, confirming and failing charges, processor ids.
@Suite("ChargeStore", .serialized)
struct ChargeStoreTests {
    @Test(arguments: ConformanceBackend.allCases)
    func claimMovesTheSessionToProcessingWithItsChargeAndJob(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let session = try await fixture.createSession()
        fixture.clock.advance(by: .seconds(30))
        let charge = Seed.charge("ch_1", sessionID: session.id, now: fixture.now)

        let claim = try await fixture.charges.claim(
            sessionID: session.id, for: charge, job: Seed.pollJob("ch_1"), now: fixture.now)

        #expect(claim == .claimed)
        let overview = try #require(try await fixture.sessions.overview(id: session.id))
        #expect(overview.session.status == SessionStatus.processing.rawValue)
        #expect(overview.chargeReference == "ch_1")
        #expect(overview.statusChangedAt == fixture.now)
        #expect(try await fixture.charges.charge(reference: "ch_1") == charge)
        #expect(try await fixture.charges.charges(sessionID: session.id) == [charge])
        let job = try #require(try await fixture.job(uniqueKey: "payment.poll:ch_1"))
        #expect(job.kind == "payment.poll")
        #expect(job.state == .queued)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func aHeldClaimEnqueuesTheJobClaimedForItsHolderAndNoWorkerTakesIt(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let session = try await fixture.createSession()
        let holder = JobHolder(worker: "pay:test", lease: .seconds(30), kinds: ["proof.issue", "callback.deliver"])
        let charge = Seed.charge("ch_held", sessionID: session.id, now: fixture.now)

        let (claim, held) = try await fixture.charges.claim(
            sessionID: session.id, for: charge, job: Seed.proofJob(session.id), heldBy: holder, now: fixture.now)

        #expect(claim == .claimed)
        let job = try #require(held)
        #expect(job.kind == "proof.issue")
        #expect(job.worker == "pay:test")
        #expect(job.attempt == 1)
        #expect(job.holder == holder)
        #expect(try await fixture.job(uniqueKey: "proof.issue:\(session.id)")?.state == .running)
        // Held, not queued: a worker polling now finds nothing to take.
        #expect(try await fixture.jobs.claim(kinds: ["proof.issue"], limit: 10, worker: "w", lease: .seconds(30)).isEmpty)
        // The holder ends it through the queue, fenced by its lease like any claim.
        #expect(try await fixture.jobs.finish(job, .succeeded(note: nil)))
        #expect(try await fixture.job(uniqueKey: "proof.issue:\(session.id)")?.state == .succeeded)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func aHeldClaimOnlyQueuesAJobOfAKindItsHolderDoesNotRun(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let session = try await fixture.createSession()
        let holder = JobHolder(worker: "pay:test", lease: .seconds(30), kinds: ["proof.issue"])

        let (claim, held) = try await fixture.charges.claim(
            sessionID: session.id, for: Seed.charge("ch_q", sessionID: session.id, now: fixture.now),
            job: Seed.pollJob("ch_q"), heldBy: holder, now: fixture.now)

        #expect(claim == .claimed)
        #expect(held == nil)
        #expect(try await fixture.job(uniqueKey: "payment.poll:ch_q")?.state == .queued)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func aRefusedHeldClaimClaimsNothing(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let session = try await fixture.createSession()
        let holder = JobHolder(worker: "pay:test", lease: .seconds(30), kinds: ["proof.issue"])
        _ = try await fixture.charges.claim(
            sessionID: session.id, for: Seed.charge("ch_a", sessionID: session.id, now: fixture.now),
            job: Seed.pollJob("ch_a"), now: fixture.now)

        let (claim, held) = try await fixture.charges.claim(
            sessionID: session.id, for: Seed.charge("ch_b", sessionID: session.id, now: fixture.now),
            job: Seed.proofJob(session.id), heldBy: holder, now: fixture.now)

        guard case .notPayable = claim else { Issue.record("expected .notPayable, got \(claim)"); return }
        #expect(held == nil)
        #expect(try await fixture.job(uniqueKey: "proof.issue:\(session.id)") == nil)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func chargeKeepsEveryField(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let session = try await fixture.createSession()
        let charge = ChargeRecord(
            reference: "ch_full", sessionID: session.id, backend: "http", state: .pending,
            settlesAt: fixture.clock.seconds + 5, createdAt: fixture.now, processorID: "proc-1")

        _ = try await fixture.charges.claim(sessionID: session.id, for: charge, job: Seed.pollJob("ch_full"), now: fixture.now)

        #expect(try await fixture.charges.charge(reference: "ch_full") == charge)
        #expect(try await fixture.charges.charge(reference: "ch_missing") == nil)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func claimingAnExpiredSessionIsRefusedAndWritesNothing(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let session = try await fixture.createSession()
        fixture.clock.advance(by: .seconds(Seed.lifetime))
        let charge = Seed.charge("ch_late", sessionID: session.id, now: fixture.now)

        let claim = try await fixture.charges.claim(
            sessionID: session.id, for: charge, job: Seed.pollJob("ch_late"), now: fixture.now)

        guard case .notPayable(let seen) = claim else { Issue.record("expected .notPayable, got \(claim)"); return }
        #expect(seen.effectiveStatus(at: fixture.clock.seconds) == .expired)
        #expect(try await fixture.charges.charge(reference: "ch_late") == nil)
        #expect(try await fixture.job(uniqueKey: "payment.poll:ch_late") == nil)
        #expect(try await fixture.sessions.overview(id: session.id)?.chargeReference == nil)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func claimingACancelledSessionIsRefused(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let session = try await fixture.createSession()
        _ = try await fixture.sessions.cancel(sessionID: session.id, now: fixture.now)
        let charge = Seed.charge("ch_1", sessionID: session.id, now: fixture.now)

        let claim = try await fixture.charges.claim(sessionID: session.id, for: charge, job: Seed.pollJob("ch_1"), now: fixture.now)

        guard case .notPayable(let seen) = claim else { Issue.record("expected .notPayable, got \(claim)"); return }
        #expect(seen.status == SessionStatus.cancelled.rawValue)
        #expect(try await fixture.charges.charge(reference: "ch_1") == nil)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func secondClaimOfASessionIsRefused(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let session = try await fixture.createSession()
        try await fixture.claim(session.id, reference: "ch_1")
        let second = Seed.charge("ch_2", sessionID: session.id, now: fixture.now)

        let claim = try await fixture.charges.claim(sessionID: session.id, for: second, job: Seed.pollJob("ch_2"), now: fixture.now)

        guard case .notPayable(let seen) = claim else { Issue.record("expected .notPayable, got \(claim)"); return }
        #expect(seen.status == SessionStatus.processing.rawValue)
        #expect(try await fixture.charges.charge(reference: "ch_2") == nil)
        #expect(try await fixture.job(uniqueKey: "payment.poll:ch_2") == nil)
        #expect(try await fixture.sessions.overview(id: session.id)?.chargeReference == "ch_1")
    }

    @Test(arguments: ConformanceBackend.allCases)
    func claimingAnUnknownSessionReportsUnknown(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let charge = Seed.charge("ch_1", sessionID: "cs_missing", now: fixture.now)

        let claim = try await fixture.charges.claim(sessionID: "cs_missing", for: charge, job: Seed.pollJob("ch_1"), now: fixture.now)

        #expect(claim == .unknown)
        #expect(try await fixture.charges.charge(reference: "ch_1") == nil)
        #expect(try await fixture.job(uniqueKey: "payment.poll:ch_1") == nil)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func claimWithATakenChargeReferenceChangesNothing(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let first = try await fixture.createSession()
        let second = try await fixture.createSession()
        try await fixture.claim(first.id, reference: "ch_shared")
        let reused = Seed.charge("ch_shared", sessionID: second.id, now: fixture.now)

        // A charge reference is unique: the claim fails as a whole, the session's move included.
        await #expect(throws: (any Error).self) {
            _ = try await fixture.charges.claim(
                sessionID: second.id, for: reused, job: Seed.pollJob("ch_shared_2"), now: fixture.now)
        }

        let overview = try #require(try await fixture.sessions.overview(id: second.id))
        #expect(overview.session.status == SessionStatus.pending.rawValue)
        #expect(overview.chargeReference == nil)
        #expect(try await fixture.charges.charges(sessionID: second.id) == [])
        #expect(try await fixture.job(uniqueKey: "payment.poll:ch_shared_2") == nil)
        #expect(try await fixture.charges.charge(reference: "ch_shared")?.sessionID == first.id)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func confirmRecordsTheSuccessAndEnqueuesTheProofJobOnce(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let session = try await fixture.createSession()
        let charge = try await fixture.claim(session.id)

        let first = try await fixture.charges.confirm(
            chargeReference: charge.reference, sessionID: session.id, proofJob: Seed.proofJob(session.id))
        let second = try await fixture.charges.confirm(
            chargeReference: charge.reference, sessionID: session.id, proofJob: Seed.proofJob(session.id))

        #expect(first.proofJob.inserted)
        #expect(second.proofJob == EnqueueResult(id: first.proofJob.id, inserted: false))
        #expect(first.session?.id == session.id)
        #expect(first.session?.status == SessionStatus.processing.rawValue)
        #expect(try await fixture.charges.charge(reference: charge.reference)?.state == .succeeded)
        let job = try #require(try await fixture.job(uniqueKey: "proof.issue:\(session.id)"))
        #expect(job.id == first.proofJob.id)
        #expect(job.kind == "proof.issue")
    }

    @Test(arguments: ConformanceBackend.allCases)
    func confirmAfterExpiryStillEnqueuesTheProofJob(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let session = try await fixture.createSession()
        let charge = try await fixture.claim(session.id)
        fixture.clock.advance(by: .seconds(Seed.lifetime + 60))
        _ = try await fixture.sessions.expirePending(now: fixture.now)

        let confirmation = try await fixture.charges.confirm(
            chargeReference: charge.reference, sessionID: session.id, proofJob: Seed.proofJob(session.id))

        #expect(confirmation.proofJob.inserted, "money was taken: a late payment still gets its proof")
        #expect(try await fixture.charges.charge(reference: charge.reference)?.state == .succeeded)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func failPutsTheSessionBackToPendingWhileTheChargeHoldsIt(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let session = try await fixture.createSession()
        let charge = try await fixture.claim(session.id, reference: "ch_1")
        fixture.clock.advance(by: .seconds(5))

        let after = try await fixture.charges.fail(chargeReference: charge.reference, sessionID: session.id, now: fixture.now)

        #expect(after?.status == SessionStatus.pending.rawValue)
        #expect(try await fixture.charges.charge(reference: "ch_1")?.state == .failed)
        #expect(try await fixture.sessions.overview(id: session.id)?.statusChangedAt == fixture.now)
        // Payable again until it expires.
        try await fixture.claim(session.id, reference: "ch_2")
        #expect(try await fixture.charges.charges(sessionID: session.id).map(\.reference) == ["ch_1", "ch_2"])
    }

    @Test(arguments: ConformanceBackend.allCases)
    func failOfAChargeThatNoLongerHoldsTheSessionLeavesItAlone(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let session = try await fixture.createSession()
        try await fixture.claim(session.id, reference: "ch_1")
        _ = try await fixture.charges.fail(chargeReference: "ch_1", sessionID: session.id, now: fixture.now)
        fixture.clock.advance(by: .seconds(1))
        try await fixture.claim(session.id, reference: "ch_2")

        // A stale failure report of the first charge, after the second took the session.
        let after = try await fixture.charges.fail(chargeReference: "ch_1", sessionID: session.id, now: fixture.now)

        #expect(after?.status == SessionStatus.processing.rawValue)
        #expect(try await fixture.sessions.overview(id: session.id)?.chargeReference == "ch_2")
        #expect(try await fixture.charges.charge(reference: "ch_2")?.state == .pending)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func failOfACompletedSessionsChargeLeavesItCompleted(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let session = try await fixture.createSession()
        let charge = try await fixture.pay(session.id)
        _ = try await fixture.issue(session.id)

        let after = try await fixture.charges.fail(chargeReference: charge.reference, sessionID: session.id, now: fixture.now)

        #expect(after?.status == SessionStatus.completed.rawValue)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func failOfAnUnknownSessionReturnsNil(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        #expect(try await fixture.charges.fail(chargeReference: "ch_1", sessionID: "cs_missing", now: fixture.now) == nil)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func recordProcessorIDKeepsTheFirstID(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let session = try await fixture.createSession()
        let charge = try await fixture.claim(session.id)

        #expect(try await fixture.charges.recordProcessorID("proc-1", forCharge: charge.reference) == "proc-1")
        #expect(try await fixture.charges.recordProcessorID("proc-2", forCharge: charge.reference) == "proc-1")

        #expect(try await fixture.charges.charge(reference: charge.reference)?.processorID == "proc-1")
        #expect(try await fixture.charges.recordProcessorID("proc-3", forCharge: "ch_missing") == nil)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func chargesOfASessionAreOldestFirst(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let session = try await fixture.createSession()
        for reference in ["ch_c", "ch_a", "ch_b"] {
            try await fixture.claim(session.id, reference: reference)
            _ = try await fixture.charges.fail(chargeReference: reference, sessionID: session.id, now: fixture.now)
            fixture.clock.advance(by: .seconds(1))
        }

        #expect(try await fixture.charges.charges(sessionID: session.id).map(\.reference) == ["ch_c", "ch_a", "ch_b"])
        #expect(try await fixture.charges.charges(sessionID: "cs_missing") == [])
    }
}
