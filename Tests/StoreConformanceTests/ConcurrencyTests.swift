import Foundation
import GatewayStore
import Testing

/// The races the contracts decide with unique keys and conditional updates, never a read-then-write: many callers
/// at once, exactly one winner, nothing written twice.
@Suite("Concurrency", .serialized)
struct ConcurrencyTests {
    @Test(arguments: ConformanceBackend.allCases)
    func racingCreatesWithOneNonceCreateExactlyOneSession(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let claim = NonceClaim(nonce: "nonce-raced", ocid: Seed.mg)
        let now = fixture.now
        let expiry = fixture.clock.seconds + 900
        let sessions = fixture.sessions

        let outcomes = try await race { _ in
            let record = Seed.session(createdAt: now, expiresAt: expiry)
            return try await sessions.create(record, nonce: claim, job: Seed.openJob(record.id)).name
        }

        #expect(outcomes.filter { $0 == "created" }.count == 1)
        #expect(outcomes.filter { $0 == "nonceReused" }.count == racers - 1)
        #expect(try await sessions.count() == 1)
        #expect(try await fixture.jobs.list(JobFilter(kind: "session.open")).count == 1)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func racingCreatesOfOneOrderInsertItOnce(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let now = fixture.now
        let expiry = fixture.clock.seconds + 900
        let sessions = fixture.sessions

        let outcomes = try await race { index in
            // Each request has its own nonce and session id; the order is the same.
            let record = Seed.session(orderID: "order-raced", createdAt: now, expiresAt: expiry)
            let creation = try await sessions.create(
                record, nonce: NonceClaim(nonce: "nonce-\(index)", ocid: Seed.mg), job: Seed.openJob(record.id))
            switch creation {
            case .created(let session), .existing(let session): return "\(creation.name) \(session.id)"
            default: return creation.name
            }
        }

        let created = outcomes.filter { $0.hasPrefix("created ") }
        #expect(created.count == 1)
        #expect(outcomes.filter { $0.hasPrefix("existing ") }.count == racers - 1)
        let winner = try #require(created.first).dropFirst("created ".count)
        #expect(outcomes.allSatisfy { $0.hasSuffix(" \(winner)") }, "every caller sees the one session")
        #expect(try await sessions.count() == 1)
        #expect(try await fixture.jobs.list(JobFilter(kind: "session.open")).count == 1)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func racingClaimsOfOneSessionClaimItOnce(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let session = try await fixture.createSession()
        let now = fixture.now
        let charges = fixture.charges

        let outcomes = try await race { index in
            let charge = Seed.charge("ch_\(index)", sessionID: session.id, now: now)
            return try await charges.claim(sessionID: session.id, for: charge, job: Seed.pollJob(charge.reference), now: now)
        }

        #expect(outcomes.filter { $0 == .claimed }.count == 1)
        let winner = try #require(outcomes.firstIndex(of: .claimed))
        for case .notPayable(let seen) in outcomes {
            #expect(seen.status == SessionStatus.processing.rawValue)
        }
        #expect(try await charges.charges(sessionID: session.id).map(\.reference) == ["ch_\(winner)"])
        #expect(try await fixture.sessions.overview(id: session.id)?.chargeReference == "ch_\(winner)")
        #expect(try await fixture.jobs.list(JobFilter(kind: "payment.poll")).map(\.uniqueKey) == ["payment.poll:ch_\(winner)"])
    }

    @Test(arguments: ConformanceBackend.allCases)
    func racingConfirmationsOfOneChargeEnqueueOneProofJob(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let session = try await fixture.createSession()
        let charge = try await fixture.claim(session.id)
        let charges = fixture.charges

        let results = try await race { _ in
            try await charges.confirm(
                chargeReference: charge.reference, sessionID: session.id, proofJob: Seed.proofJob(session.id)
            ).proofJob
        }

        #expect(results.filter(\.inserted).count == 1)
        #expect(Set(results.map(\.id)).count == 1)
        #expect(try await fixture.jobs.list(JobFilter(kind: "proof.issue")).count == 1)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func racingNonceRecordsRecordItOnce(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let nonces = fixture.nonces

        let outcomes = try await race { _ in
            do {
                try await nonces.record("nonce-raced", ocid: Seed.mg)
                return "recorded"
            } catch let error as NonceError {
                return error == .reused(ocid: Seed.mg, nonce: "nonce-raced") ? "reused" : "\(error)"
            }
        }

        #expect(outcomes.filter { $0 == "recorded" }.count == 1)
        #expect(outcomes.filter { $0 == "reused" }.count == racers - 1)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func racingIssuesOfOneSessionIssueOneProofAndOneLedgerEntry(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let session = try await fixture.createSession()
        try await fixture.pay(session.id)
        let now = fixture.now
        let proofs = fixture.proofs

        // Every run builds its own txid: the session's unique key, not the txid's, must decide.
        let outcomes = try await race { index in
            try await proofs.issue(
                sessionID: session.id, now: now, build: Seed.proofBuilder(txid: "tx_\(index)", issuedAt: now),
                deliveryJob: Seed.deliveryJob
            ).issue
        }

        var issued: [StoredProof] = []
        var existing: [StoredProof] = []
        for outcome in outcomes {
            switch outcome {
            case .issued(let proof, _): issued.append(proof)
            case .existing(let proof): existing.append(proof)
            case .unknownSession: Issue.record("the session exists")
            }
        }
        #expect(issued.count == 1)
        #expect(existing.count == racers - 1)
        let proof = try #require(issued.first)
        #expect(existing.allSatisfy { $0.txid == proof.txid })
        #expect(try await proofs.ledgerEntries(mgOCID: Seed.mg).map(\.txid) == [proof.txid])
        #expect(try await proofs.proof(sessionID: session.id)?.txid == proof.txid)
        #expect(try await fixture.jobs.list(JobFilter(kind: "callback.deliver")).map(\.uniqueKey) == ["callback.deliver:\(proof.txid)"])
    }

    @Test(arguments: ConformanceBackend.allCases)
    func racingSettlementRunsMakeOneStatementHoldingEveryEntryOnce(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        var txids: [String] = []
        for _ in 0..<6 {
            txids.append(try await fixture.provenSession().txid)
            fixture.clock.advance(by: .seconds(1))
        }
        let cutOff = fixture.now
        let settlement = fixture.settlement
        let now = fixture.now

        // Each run signs its own statement id; the one statement per MG, currency and cut-off must decide.
        let outcomes = try await race { index in
            try await settlement.settle(
                mgOCID: Seed.mg, currency: "EUR", scope: SettlementScope(cutOff: cutOff, requireAccepted: false),
                now: now, build: Seed.statementBuilder(id: "st_\(index)", cutOff: cutOff, now: now),
                notifyJob: Seed.notifyJob)
        }

        var created: [StoredStatement] = []
        var existing: [StoredStatement] = []
        for outcome in outcomes {
            switch outcome {
            case .created(let statement): created.append(statement)
            case .existing(let statement): existing.append(statement)
            case .nothingToSettle: Issue.record("a run found nothing to settle next to the statement of this cut-off")
            }
        }
        #expect(created.count == 1)
        let statement = try #require(created.first)
        #expect(existing.allSatisfy { $0.id == statement.id })
        #expect(try await settlement.statements().map(\.id) == [statement.id])
        #expect(try await settlement.entries(statementID: statement.id).map(\.txid) == txids)
        #expect(try await fixture.proofs.ledgerEntries(mgOCID: Seed.mg).allSatisfy { $0.statementID == statement.id })
        #expect(try await fixture.jobs.list(JobFilter(kind: "settle.notify")).count == 1)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func racingSettlementRunsWithDifferentCutOffsNeverShareAnEntry(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let start = fixture.now
        var txids: [String] = []
        for _ in 0..<8 {
            txids.append(try await fixture.provenSession().txid)
            fixture.clock.advance(by: .seconds(1))
        }
        let settlement = fixture.settlement
        let now = fixture.now

        // Cut-offs from before the first entry to after the last: the runs' groups overlap.
        let outcomes = try await race(16) { index in
            let cutOff = start.addingTimeInterval(Double(index) * 0.5)
            return try await settlement.settle(
                mgOCID: Seed.mg, currency: "EUR", scope: SettlementScope(cutOff: cutOff, requireAccepted: false),
                now: now, build: Seed.statementBuilder(id: "st_\(index)", cutOff: cutOff, now: now),
                notifyJob: { _ in nil })
        }

        var statements: [StoredStatement] = []
        for case .created(let statement) in outcomes { statements.append(statement) }
        var settled: [String] = []
        for statement in statements {
            let entries = try await settlement.entries(statementID: statement.id)
            #expect(entries.count == statement.entryCount)
            #expect(entries.allSatisfy { $0.statementID == statement.id })
            settled += entries.map(\.txid)
        }
        #expect(settled.sorted() == txids.sorted(), "every entry is in exactly one statement")
        #expect(try await settlement.statements().count == statements.count)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func racingEnqueuesOfOneUniqueKeyYieldOneJob(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let jobs = fixture.jobs

        let results = try await race { index in
            try await jobs.enqueue(NewJob(kind: "raced", payload: Data("\(index)".utf8), uniqueKey: "raced:1"))
        }

        #expect(results.filter(\.inserted).count == 1)
        #expect(Set(results.map(\.id)).count == 1)
        #expect(try await jobs.list(JobFilter(kind: "raced")).count == 1)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func racingWorkersClaimEachJobOnce(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let jobs = fixture.jobs
        let enqueued = try await jobs.enqueue((0..<40).map { NewJob(kind: "work", payload: Data("\($0)".utf8)) })

        let claims = try await race { index in
            try await jobs.claim(kinds: ["work"], limit: 3, worker: "worker-\(index)", lease: .seconds(30))
        }

        let claimed = claims.flatMap { $0 }.map(\.id)
        #expect(claimed.count == Set(claimed).count, "no job is claimed twice")
        #expect(Set(claimed) == Set(enqueued.map(\.id)), "24 workers taking 3 each take all 40")
    }

    @Test(arguments: ConformanceBackend.allCases)
    func lostLeasesFinishingAlongsideTheirRescuersNeverOverrideThem(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let jobs = fixture.jobs
        _ = try await jobs.enqueue((0..<16).map { _ in NewJob(kind: "work") })
        let lost = try await jobs.claim(kinds: ["work"], limit: 16, worker: "worker-1", lease: .seconds(30))
        fixture.clock.advance(by: .seconds(31))
        let rescued = try await jobs.claim(kinds: ["work"], limit: 16, worker: "worker-2", lease: .seconds(30))
        #expect(lost.count == 16)
        #expect(Set(rescued.map(\.id)) == Set(lost.map(\.id)))

        // Each old holder completes its job while the rescuer gives it up, all at once.
        let results = try await race(32) { index in
            index.isMultiple(of: 2)
                ? try await jobs.finish(lost[index / 2], .succeeded(note: "stale"))
                : try await jobs.finish(rescued[index / 2], .dead(AttemptFailure(error: "for good")))
        }

        #expect(results.enumerated().allSatisfy { index, held in held == !index.isMultiple(of: 2) })
        for job in lost {
            let detail = try #require(try await jobs.show(id: job.id))
            #expect(detail.job.state == .dead)
            #expect(detail.attempts.map(\.outcome) == [.leaseLost, .dead])
        }
    }

    @Test(arguments: ConformanceBackend.allCases)
    func racingFailuresOfOneChargeMoveTheSessionOnce(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let session = try await fixture.createSession()
        let charge = try await fixture.claim(session.id)
        let charges = fixture.charges
        let now = fixture.now

        let seen = try await race { _ in
            try await charges.fail(chargeReference: charge.reference, sessionID: session.id, now: now)?.status
        }

        #expect(seen.allSatisfy { $0 == SessionStatus.pending.rawValue })
        #expect(try await charges.charge(reference: charge.reference)?.state == .failed)
        // Payable again, once.
        let next = try await race(8) { index in
            let retry = Seed.charge("ch_retry_\(index)", sessionID: session.id, now: now)
            return try await charges.claim(sessionID: session.id, for: retry, job: Seed.pollJob(retry.reference), now: now)
        }
        #expect(next.filter { $0 == .claimed }.count == 1)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func racingNamesOfOneSessionStoreOne(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let session = try await fixture.createSession()
        let sessions = fixture.sessions

        let stored = try await race { index in
            try await sessions.name(sessionID: session.id, merchantName: "Shop \(index)")
        }

        #expect(stored.filter { $0 }.count == 1)
        let winner = try #require(stored.firstIndex(of: true))
        #expect(try await sessions.session(id: session.id)?.merchantName == "Shop \(winner)")
    }

    @Test(arguments: ConformanceBackend.allCases)
    func racingExpiryRunsExpireEachSessionOnce(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        for _ in 0..<10 { try await fixture.createSession() }
        fixture.clock.advance(by: .seconds(Seed.lifetime))
        let sessions = fixture.sessions
        let now = fixture.now

        let counts = try await race(8) { _ in try await sessions.expirePending(now: now) }

        #expect(counts.reduce(0, +) == 10)
        #expect(try await sessions.list(SessionFilter(status: .expired)).count == 10)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func racingAddsOfOnePartnerKeepOneRow(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let partners = fixture.partners
        let now = fixture.now

        _ = try await race { index in
            try await partners.add(
                Partner(
                    ocid: Seed.mg, name: "MG \(index)", publicKey: "02\(index)", endpoint: "https://mg.example/\(index)",
                    status: .enabled, addedAt: now))
        }

        #expect(try await partners.all().count == 1)
    }
}
