import Foundation
import GatewayStore
import Testing

/// `ProofStore`: issuing a paid session's proof once, with its ledger entry, completion and delivery job.
@Suite("ProofStore", .serialized)
struct ProofStoreTests {
    @Test(arguments: ConformanceBackend.allCases)
    func issueStoresTheProofAndLedgerEntryAndCompletesTheSession(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let session = try await fixture.createSession(amount: "12.34", currency: "USD")
        try await fixture.pay(session.id)
        fixture.clock.advance(by: .seconds(3))

        let result = try await fixture.proofs.issue(
            sessionID: session.id, now: fixture.now, build: Seed.proofBuilder(issuedAt: fixture.now),
            deliveryJob: Seed.deliveryJob)

        let proof = try Seed.proofBuilder(issuedAt: fixture.now)(session)
        #expect(result.issue == .issued(proof, late: false))
        #expect(result.held == nil)
        #expect(result.delivery == nil)
        #expect(try await fixture.proofs.proof(txid: proof.txid) == proof)
        #expect(try await fixture.proofs.proof(sessionID: session.id) == proof)
        #expect(
            try await fixture.proofs.ledgerEntry(txid: proof.txid)
                == LedgerEntry(
                    txid: proof.txid, mgOCID: Seed.mg, currency: "USD", amount: "12.34", createdAt: fixture.now,
                    statementID: nil))
        let overview = try #require(try await fixture.sessions.overview(id: session.id))
        #expect(overview.session.status == SessionStatus.completed.rawValue)
        #expect(overview.statusChangedAt == fixture.now)
        #expect(try await fixture.proofs.isLate(sessionID: session.id) == false)
        let delivery = try #require(try await fixture.job(uniqueKey: "callback.deliver:\(proof.txid)"))
        #expect(delivery.kind == "callback.deliver")
        #expect(delivery.state == .queued)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func secondIssueFindsTheProofAndWritesNothingNew(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let proof = try await fixture.provenSession()
        fixture.clock.advance(by: .seconds(10))

        let again = try await fixture.proofs.issue(
            sessionID: proof.sessionID, now: fixture.now,
            build: Seed.proofBuilder(txid: "tx_second", issuedAt: fixture.now), deliveryJob: Seed.deliveryJob)

        #expect(again.issue == .existing(proof))
        #expect(try await fixture.proofs.proof(txid: "tx_second") == nil)
        #expect(try await fixture.proofs.ledgerEntries(mgOCID: Seed.mg).map(\.txid) == [proof.txid])
        #expect(try await fixture.jobs.list(JobFilter(kind: "callback.deliver")).count == 1)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func issueForAnUnknownSessionWritesNothing(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)

        let result = try await fixture.proofs.issue(
            sessionID: "cs_missing", now: fixture.now, build: Seed.proofBuilder(issuedAt: fixture.now),
            deliveryJob: Seed.deliveryJob)

        #expect(result.issue == .unknownSession)
        #expect(result.held == nil)
        #expect(result.delivery == nil)
        #expect(try await fixture.proofs.proof(sessionID: "cs_missing") == nil)
        #expect(try await fixture.jobs.list(JobFilter()).isEmpty)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func issueWhoseBuildThrowsWritesNothing(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let session = try await fixture.createSession()
        try await fixture.pay(session.id)

        await #expect(throws: SeedFailure.self) {
            _ = try await fixture.proofs.issue(
                sessionID: session.id, now: fixture.now, build: { _ in throw SeedFailure() },
                deliveryJob: Seed.deliveryJob)
        }

        #expect(try await fixture.sessions.session(id: session.id)?.status == SessionStatus.processing.rawValue)
        #expect(try await fixture.proofs.proof(sessionID: session.id) == nil)
        #expect(try await fixture.proofs.ledgerEntries(mgOCID: Seed.mg) == [])
        #expect(try await fixture.jobs.list(JobFilter(kind: "callback.deliver")) == [])
        // Nothing stands in the way of the next run.
        _ = try await fixture.issue(session.id)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func proofOfASessionPaidAfterItExpiredIsLate(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let session = try await fixture.createSession()
        let charge = try await fixture.claim(session.id)
        fixture.clock.advance(by: .seconds(Seed.lifetime + 1))
        _ = try await fixture.charges.confirm(
            chargeReference: charge.reference, sessionID: session.id, proofJob: Seed.proofJob(session.id))

        let result = try await fixture.proofs.issue(
            sessionID: session.id, now: fixture.now, build: Seed.proofBuilder(issuedAt: fixture.now),
            deliveryJob: Seed.deliveryJob)

        guard case .issued(_, let late) = result.issue else { Issue.record("expected .issued, got \(result.issue)"); return }
        #expect(late)
        #expect(try await fixture.proofs.isLate(sessionID: session.id))
        #expect(try await fixture.sessions.session(id: session.id)?.status == SessionStatus.completed.rawValue)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func proofOfAnExpiredSessionIsLate(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let session = try await fixture.createSession()
        let charge = try await fixture.claim(session.id)
        _ = try await fixture.charges.fail(chargeReference: charge.reference, sessionID: session.id, now: fixture.now)
        fixture.clock.advance(by: .seconds(Seed.lifetime))
        #expect(try await fixture.sessions.expirePending(now: fixture.now) == 1)
        // The failed charge's money came in after all.
        _ = try await fixture.charges.confirm(
            chargeReference: charge.reference, sessionID: session.id, proofJob: Seed.proofJob(session.id))

        let result = try await fixture.proofs.issue(
            sessionID: session.id, now: fixture.now, build: Seed.proofBuilder(issuedAt: fixture.now),
            deliveryJob: Seed.deliveryJob)

        guard case .issued(_, let late) = result.issue else { Issue.record("expected .issued, got \(result.issue)"); return }
        #expect(late)
        #expect(try await fixture.proofs.isLate(sessionID: session.id))
    }

    @Test(arguments: ConformanceBackend.allCases)
    func issueEndingAClaimedJobRecordsItsSuccessAndHandsTheDeliveryToTheSameWorker(backend: ConformanceBackend)
        async throws
    {
        let fixture = try StoreFixture(backend)
        let session = try await fixture.createSession()
        try await fixture.pay(session.id)
        let claimed = try await fixture.jobs.claim(
            kinds: ["proof.issue", "callback.deliver"], limit: 1, worker: "worker-1", lease: .seconds(30))
        let job = try #require(claimed.first)
        #expect(job.kind == "proof.issue")

        let result = try await fixture.proofs.issue(
            sessionID: session.id, now: fixture.now, build: Seed.proofBuilder(issuedAt: fixture.now),
            deliveryJob: Seed.deliveryJob, ending: job)

        guard case .issued(let proof, _) = result.issue else { Issue.record("expected .issued, got \(result.issue)"); return }
        #expect(result.held == true)
        let detail = try #require(try await fixture.jobs.show(id: job.id))
        #expect(detail.job.state == .succeeded)
        #expect(detail.attempts.map(\.outcome) == [.succeeded])
        #expect(detail.attempts.last?.note == result.issue.note)
        let delivery = try #require(result.delivery)
        #expect(delivery.kind == "callback.deliver")
        #expect(delivery.uniqueKey == "callback.deliver:\(proof.txid)")
        #expect(delivery.worker == "worker-1")
        #expect(delivery.attempt == 1)
        let row = try #require(try await fixture.job(uniqueKey: "callback.deliver:\(proof.txid)"))
        #expect(row.id == delivery.id)
        #expect(row.state == .running)
        #expect(row.worker == "worker-1")
        // Held under a lease like any claim: nobody else takes it.
        #expect(try await fixture.jobs.claim(kinds: ["callback.deliver"], limit: 1, worker: "worker-2", lease: .seconds(30)) == [])
        #expect(try await fixture.deliveries.proofToDeliver(txid: proof.txid, for: delivery) == proof)
        #expect(try await fixture.jobs.finish(delivery, .succeeded(note: nil)))
        // The issuing attempt ended its job itself: its worker's next heartbeat is no loss.
        #expect(try await fixture.jobs.heartbeat(job, lease: .seconds(30)))
    }

    /// A pay request's whole path, claim to accepted delivery, held by one holder, many times over: on PostgreSQL
    /// each step is one prepared statement, planned generically after a connection's fifth run, and a late session
    /// must still be judged late on the row the statement finds.
    @Test(arguments: ConformanceBackend.allCases)
    func heldPaymentsIssueAndDeliverEachProofOnceAndJudgeLatenessEveryTime(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let holder = JobHolder(worker: "pay:test", lease: .seconds(600), kinds: ["proof.issue", "callback.deliver"])
        var txids: [String] = []
        for n in 0..<24 {
            let session = try await fixture.createSession()
            let (claim, held) = try await fixture.charges.claim(
                sessionID: session.id, for: Seed.charge("ch_\(n)", sessionID: session.id, now: fixture.now),
                job: Seed.proofJob(session.id), heldBy: holder, now: fixture.now)
            #expect(claim == .claimed)
            let job = try #require(held)
            let late = n % 3 == 1
            if late { fixture.clock.advance(by: .seconds(Seed.lifetime + 1)) }

            let result = try await fixture.proofs.issue(
                sessionID: session.id, now: fixture.now,
                build: Seed.proofBuilder(txid: "tx_held_\(n)", issuedAt: fixture.now), deliveryJob: Seed.deliveryJob,
                ending: job)

            guard case .issued(let proof, let judged) = result.issue else {
                Issue.record("expected .issued, got \(result.issue)")
                return
            }
            #expect(judged == late, "session \(n)")
            #expect(result.held == true)
            #expect(try await fixture.jobs.show(id: job.id)?.attempts.map(\.note) == [result.issue.note])
            let delivery = try #require(result.delivery)
            #expect(delivery.worker == holder.worker)
            #expect(try await fixture.deliveries.proofToDeliver(txid: proof.txid, for: delivery) == proof)
            let recorded = try await fixture.deliveries.recordDelivery(
                of: proof, state: .accepted, at: fixture.now, mgAnswered: true,
                ending: JobSuccess(job: delivery, note: "accepted"))
            #expect(recorded == true)
            #expect(try await fixture.jobs.show(id: delivery.id)?.job.state == .succeeded)
            #expect(try await fixture.proofs.proof(txid: proof.txid)?.deliveryState == .accepted)
            txids.append(proof.txid)
        }
        #expect(try await fixture.proofs.ledgerEntries(mgOCID: Seed.mg).map(\.txid).sorted() == txids.sorted())
        #expect(try await fixture.jobs.list(JobFilter(state: .running)).isEmpty)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func aDeliveryHandedBackUnrunReadsTheStoredProofWhenClaimedAgain(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let session = try await fixture.createSession()
        try await fixture.pay(session.id)
        let job = try #require(
            try await fixture.jobs.claim(
                kinds: ["proof.issue", "callback.deliver"], limit: 1, worker: "worker-1", lease: .seconds(30)
            ).first)
        let issued = try await fixture.proofs.issue(
            sessionID: session.id, now: fixture.now, build: Seed.proofBuilder(issuedAt: fixture.now),
            deliveryJob: Seed.deliveryJob, ending: job)
        let handedOver = try #require(issued.delivery)
        // Its worker stops before running it; another process delivers the proof meanwhile.
        #expect(try await fixture.jobs.finish(handedOver, .released))
        fixture.clock.advance(by: .seconds(1))
        let elsewhere = try #require(
            try await fixture.jobs.claim(kinds: ["callback.deliver"], limit: 1, worker: "worker-2", lease: .seconds(30)).first)
        let proof = try #require(try await fixture.proofs.proof(sessionID: session.id))
        try await fixture.deliveries.recordDelivery(
            of: proof, state: .accepted, at: fixture.now, ending: JobSuccess(job: elsewhere, note: nil))

        let again = try await fixture.deliveries.proofToDeliver(txid: proof.txid, for: elsewhere)

        #expect(again?.deliveryState == .accepted)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func aDeliveryHandedBackAndClaimedByAnotherWorkerInTheSameMillisecondReadsTheStoredProof(
        backend: ConformanceBackend
    ) async throws {
        let fixture = try StoreFixture(backend)
        let session = try await fixture.createSession()
        try await fixture.pay(session.id)
        let job = try #require(
            try await fixture.jobs.claim(
                kinds: ["proof.issue", "callback.deliver"], limit: 1, worker: "worker-1", lease: .seconds(30)
            ).first)
        let issued = try await fixture.proofs.issue(
            sessionID: session.id, now: fixture.now, build: Seed.proofBuilder(issuedAt: fixture.now),
            deliveryJob: Seed.deliveryJob, ending: job)
        let handedOver = try #require(issued.delivery)
        // As above, but the clock does not move: the second claim differs in its worker only.
        #expect(try await fixture.jobs.finish(handedOver, .released))
        let elsewhere = try #require(
            try await fixture.jobs.claim(kinds: ["callback.deliver"], limit: 1, worker: "worker-2", lease: .seconds(30)).first)
        let proof = try #require(try await fixture.proofs.proof(sessionID: session.id))
        try await fixture.deliveries.recordDelivery(
            of: proof, state: .accepted, at: fixture.now, ending: JobSuccess(job: elsewhere, note: nil))

        let again = try await fixture.deliveries.proofToDeliver(txid: proof.txid, for: elsewhere)

        #expect(again?.deliveryState == .accepted)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func issueEndingAJobForAnUnknownSessionLeavesTheJobToItsWorker(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        _ = try await fixture.jobs.enqueue(Seed.proofJob("cs_missing"))
        let job = try #require(
            try await fixture.jobs.claim(kinds: ["proof.issue"], limit: 1, worker: "worker-1", lease: .seconds(30)).first)

        let result = try await fixture.proofs.issue(
            sessionID: "cs_missing", now: fixture.now, build: Seed.proofBuilder(issuedAt: fixture.now),
            deliveryJob: Seed.deliveryJob, ending: job)

        #expect(result.issue == .unknownSession)
        #expect(result.held == nil)
        #expect(result.delivery == nil)
        #expect(try await fixture.jobs.show(id: job.id)?.job.state == .running)
        #expect(try await fixture.jobs.finish(job, .dead(AttemptFailure(error: "no such session"))))
    }

    @Test(arguments: ConformanceBackend.allCases)
    func issueEndingAJobOfAWorkerThatDoesNotDeliverOnlyEnqueuesTheDelivery(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let session = try await fixture.createSession()
        try await fixture.pay(session.id)
        let job = try #require(
            try await fixture.jobs.claim(kinds: ["proof.issue"], limit: 1, worker: "worker-1", lease: .seconds(30)).first)

        let result = try await fixture.proofs.issue(
            sessionID: session.id, now: fixture.now, build: Seed.proofBuilder(issuedAt: fixture.now),
            deliveryJob: Seed.deliveryJob, ending: job)

        #expect(result.held == true)
        #expect(result.delivery == nil)
        let row = try #require(try await fixture.job(uniqueKey: "callback.deliver:tx_\(session.id)"))
        #expect(row.state == .queued)
        #expect(try await fixture.jobs.show(id: job.id)?.job.state == .succeeded)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func issueEndingAJobWhoseLeaseLapsedRecordsNothingAboutTheJob(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let session = try await fixture.createSession()
        try await fixture.pay(session.id)
        let lost = try #require(
            try await fixture.jobs.claim(kinds: ["proof.issue"], limit: 1, worker: "worker-1", lease: .seconds(30)).first)
        fixture.clock.advance(by: .seconds(31))
        let rescued = try #require(
            try await fixture.jobs.claim(kinds: ["proof.issue"], limit: 1, worker: "worker-2", lease: .seconds(30)).first)
        #expect(rescued.id == lost.id)

        let late = try await fixture.proofs.issue(
            sessionID: session.id, now: fixture.now, build: Seed.proofBuilder(issuedAt: fixture.now),
            deliveryJob: Seed.deliveryJob, ending: lost)

        #expect(late.held == false)
        let row = try #require(try await fixture.jobs.show(id: lost.id))
        #expect(row.job.state == .running)
        #expect(row.job.worker == "worker-2")
        #expect(row.attempts.map(\.outcome) == [.leaseLost])
        // The holder's own run finds the proof and ends the job.
        let current = try await fixture.proofs.issue(
            sessionID: session.id, now: fixture.now, build: Seed.proofBuilder(issuedAt: fixture.now),
            deliveryJob: Seed.deliveryJob, ending: rescued)
        #expect(current.held == true)
        guard case .existing = current.issue else { Issue.record("expected .existing, got \(current.issue)"); return }
        #expect(try await fixture.jobs.show(id: lost.id)?.job.state == .succeeded)
        #expect(try await fixture.proofs.ledgerEntries(mgOCID: Seed.mg).count == 1)
    }

    /// A pay request stopped between its claim and its issue (SIGSTOP, a long pause) past its lease: a worker rescues
    /// the job and issues the proof; the pay request's late issue, from the session as its claim left it, must find
    /// that proof and write nothing.
    @Test(arguments: ConformanceBackend.allCases)
    func aHeldClaimsIssueAfterAWorkerRescuedItFindsTheRescuersProof(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let session = try await fixture.createSession()
        let holder = JobHolder(worker: "pay:stopped", lease: .seconds(30), kinds: ["proof.issue", "callback.deliver"])
        let (_, held) = try await fixture.charges.claim(
            sessionID: session.id, for: Seed.charge("ch_stopped", sessionID: session.id, now: fixture.now),
            job: Seed.proofJob(session.id), heldBy: holder, now: fixture.now)
        let stopped = try #require(held)
        fixture.clock.advance(by: .seconds(31))
        let rescued = try #require(
            try await fixture.jobs.claim(kinds: ["proof.issue"], limit: 1, worker: "worker-2", lease: .seconds(30)).first)
        let rescue = try await fixture.proofs.issue(
            sessionID: session.id, now: fixture.now, build: Seed.proofBuilder(txid: "tx_rescued", issuedAt: fixture.now),
            deliveryJob: Seed.deliveryJob, ending: rescued)
        guard case .issued(let proof, _) = rescue.issue else { Issue.record("expected .issued, got \(rescue.issue)"); return }

        let resumed = try await fixture.proofs.issue(
            sessionID: session.id, now: fixture.now, build: Seed.proofBuilder(txid: "tx_stopped", issuedAt: fixture.now),
            deliveryJob: Seed.deliveryJob, ending: stopped)

        #expect(resumed.issue == .existing(proof))
        #expect(resumed.held == false)
        #expect(resumed.delivery == nil)
        #expect(try await fixture.proofs.proof(txid: "tx_stopped") == nil)
        #expect(try await fixture.proofs.ledgerEntries(mgOCID: Seed.mg).map(\.txid) == ["tx_rescued"])
        #expect(try await fixture.jobs.show(id: stopped.id)?.job.state == .succeeded)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func proofToDeliverOfAnOrdinaryClaimReadsTheStoredProof(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let proof = try await fixture.provenSession()
        let delivery = try #require(
            try await fixture.jobs.claim(kinds: ["callback.deliver"], limit: 1, worker: "worker-1", lease: .seconds(30)).first)

        #expect(try await fixture.deliveries.proofToDeliver(txid: proof.txid, for: delivery) == proof)
        #expect(try await fixture.deliveries.proofToDeliver(txid: "tx_missing", for: delivery) == nil)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func issueOfAnIssuedProofEnsuresItsDeliveryJobWhilePending(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let pending = try await fixture.provenSession()
        let accepted = try await fixture.provenSession()
        try await fixture.deliveries.recordDelivery(of: accepted, state: .accepted, at: fixture.now)
        // Both delivery jobs end and are pruned; one proof is still undelivered.
        let claimed = try await fixture.jobs.claim(kinds: ["callback.deliver"], limit: 2, worker: "worker-1", lease: .seconds(30))
        #expect(claimed.count == 2)
        _ = try await fixture.jobs.finish(claimed.map { JobFinish($0, .succeeded(note: nil)) })
        fixture.clock.advance(by: .seconds(60))
        #expect(try await fixture.jobs.prune(olderThan: .seconds(1)) == 2)

        for proof in [pending, accepted] {
            let result = try await fixture.proofs.issue(
                sessionID: proof.sessionID, now: fixture.now, build: Seed.proofBuilder(issuedAt: fixture.now),
                deliveryJob: Seed.deliveryJob)
            guard case .existing = result.issue else { Issue.record("expected .existing, got \(result.issue)"); return }
        }

        #expect(try await fixture.job(uniqueKey: "callback.deliver:\(pending.txid)")?.state == .queued)
        #expect(try await fixture.job(uniqueKey: "callback.deliver:\(accepted.txid)") == nil)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func ledgerEntriesArePerMGOldestFirst(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let first = try await fixture.provenSession(mg: Seed.mg, amount: "1.00")
        fixture.clock.advance(by: .seconds(1))
        let other = try await fixture.provenSession(mg: Seed.otherMG, amount: "2.00")
        fixture.clock.advance(by: .seconds(1))
        let second = try await fixture.provenSession(mg: Seed.mg, amount: "3.00", currency: "USD")

        let entries = try await fixture.proofs.ledgerEntries(mgOCID: Seed.mg)
        #expect(entries.map(\.txid) == [first.txid, second.txid])
        #expect(entries.map(\.amount) == ["1.00", "3.00"])
        #expect(entries.map(\.currency) == ["EUR", "USD"])
        #expect(try await fixture.proofs.ledgerEntries(mgOCID: Seed.otherMG).map(\.txid) == [other.txid])
        #expect(try await fixture.proofs.ledgerEntries(mgOCID: 1) == [])
        #expect(try await fixture.proofs.ledgerEntry(txid: "tx_missing") == nil)
        #expect(try await fixture.proofs.isLate(sessionID: "cs_missing") == false)
    }
}
