import Foundation
import GatewayCore
import GatewayStore
import GatewayTestSupport
import Logging
import Opencharge
import Testing

struct ProofIssueTests {
    @Test func theProofIsBuiltSignedAndStoredWithItsLedgerEntryAndDeliveryJob() async throws {
        let fixture = try ProofFixture()
        let (session, charge) = try await fixture.paidSession(amount: "1234.50", currency: "EUR")
        let job = try #require(try await fixture.claim(ProofIssuer.kind).first)
        let outcome = await fixture.issuer().run(job)
        let stored = try #require(try await fixture.proofs.proof(sessionID: session.id))
        // The job's success committed with the proof: the worker has nothing left to record.
        #expect(outcome == .recorded(note: "issued \(stored.txid)", held: true))
        let ended = try #require(try await fixture.runtime.stores.jobs.show(id: job.id))
        #expect(ended.job.state == .succeeded)
        #expect(ended.attempts.map(\.note) == ["issued \(stored.txid)"])

        let proof = try JSONParser.parse(stored.proofJSON)
        #expect(CanonicalJSON.string(proof) == stored.proofJSON, "the stored text is the canonical form that was signed")
        let txid = try #require(proof["txid"]?.stringValue)
        #expect(txid.hasPrefix("pg_tx_") && txid.count == 30 && Hex.decode(txid.dropFirst(6)) != nil)
        #expect(proof["issuer"] == .integer(200))
        #expect(proof["from"] == ["ocid": .integer(200), "reference": .string(charge)])
        #expect(proof["to"] == ["ocid": .integer(500), "reference": .string(session.orderID)])
        #expect(stored.proofJSON.contains("\"amount\":\"1234.50\""), "amount bytes copied from the order, not renormalised")
        #expect(proof["currency"] == "EUR")
        #expect(proof["timestamp"] == .integer(Int64(fixture.time.now().timeIntervalSince1970)))
        #expect(proof["memo"] == .string("Payment for \(session.orderID)"))
        let signature = try Signature(hex: stored.signature)
        #expect(stored.signature.count == 130)
        #expect(fixture.identity.key.publicKey.verifyObject(proof, signature: signature, allowLegacy: false) == .recursive)
        #expect(try TransferProof(json: proof).amount == "1234.50")

        let entry = try #require(try await fixture.proofs.ledgerEntry(txid: txid))
        #expect(entry.mgOCID == 300 && entry.currency == "EUR" && entry.amount == "1234.50" && entry.statementID == nil)
        #expect(entry.createdAt == fixture.time.now())
        #expect(try await fixture.sessions.session(id: session.id)?.status == "completed")
        #expect(try await fixture.proofs.isLate(sessionID: session.id) == false)
        let deliveries = try await fixture.jobs(ProofDelivery.kind)
        #expect(deliveries.map(\.uniqueKey) == ["callback.deliver:\(txid)"])
        #expect(try JSONParser.parse(Array(try #require(deliveries.first).payload)) == ["txid": .string(txid)])
        #expect(stored.webhookBody == CanonicalJSON.encode(["proof": proof, "signature": .string(stored.signature)]))
    }

    @Test func aWorkerThatAlsoDeliversGetsTheNewProofsDeliveryAlreadyClaimed() async throws {
        let fixture = try ProofFixture()
        let (session, _) = try await fixture.paidSession()
        let job = try #require(
            try await fixture.runtime.stores.jobs.claim(
                kinds: [ProofIssuer.kind, ProofDelivery.kind], limit: 1, worker: "both", lease: .seconds(60)
            ).first)
        let outcome = await fixture.issuer().run(job)
        let txid = try #require(try await fixture.proofs.proof(sessionID: session.id)).txid
        guard case let .recorded(note, held, next) = outcome else {
            Issue.record("expected a recorded success, got \(outcome)")
            return
        }
        #expect(note == "issued \(txid)" && held)
        let delivery = try #require(next)
        #expect(delivery.kind == ProofDelivery.kind && delivery.uniqueKey == "callback.deliver:\(txid)")
        let row = try #require(try await fixture.runtime.stores.jobs.show(id: delivery.id)?.job)
        #expect(row.state == .running && row.worker == "both")
        #expect(try await fixture.claim(ProofDelivery.kind).isEmpty, "no other worker can claim it")
    }

    @Test func onlyTheDeliveryClaimTheIssueMadeTakesItsProofFromTheIssueAndOnlyOnce() async throws {
        let fixture = try ProofFixture()
        for _ in 0..<3 { _ = try await fixture.paidSession() }
        // Two issues by a worker that also delivers (each claims its delivery), one by a worker that does not.
        var deliveries: [ClaimedJob] = []
        for _ in 0..<2 {
            let job = try #require(try await fixture.runtime.stores.jobs.claim(
                kinds: [ProofIssuer.kind, ProofDelivery.kind], limit: 1, worker: "both", lease: .seconds(60)
            ).first)
            guard case .recorded(_, _, let next?) = await fixture.issuer().run(job) else {
                Issue.record("the issue claimed no delivery")
                return
            }
            deliveries.append(next)
        }
        let issuingOnly = try #require(try await fixture.claim(ProofIssuer.kind).first)
        _ = await fixture.issuer().run(issuingOnly)
        let txid = { (job: ClaimedJob) in try JSONParser.parse(Array(job.payload))["txid"]?.stringValue ?? "" }
        let issued = try #require(try await fixture.proofs.proof(txid: try txid(deliveries[0])))
        let unclaimed = try #require(try await fixture.jobs(ProofDelivery.kind).first { $0.state == .queued })
        let unclaimedTxid = try JSONParser.parse(Array(unclaimed.payload))["txid"]?.stringValue ?? ""
        // Marks every proof accepted, so that a proof read back shows it and one handed over does not.
        for entry in try await fixture.stores.settlement.ledgerWithDeliveries(from: nil, to: nil) {
            let proof = try #require(try await fixture.proofs.proof(txid: entry.ledger.txid))
            try await fixture.deliveries.recordDelivery(of: proof, state: .accepted, at: fixture.time.now())
        }

        let handed = try await fixture.deliveries.proofToDeliver(txid: issued.txid, for: deliveries[0])
        #expect(handed == issued, "the proof as issued, equal to its row as committed")
        #expect(try await fixture.deliveries.proofToDeliver(txid: issued.txid, for: deliveries[0])?.deliveryState == .accepted, "taken once")
        var claimedAgain = deliveries[1]
        claimedAgain.claimedAt.addTimeInterval(30)
        #expect(
            try await fixture.deliveries.proofToDeliver(txid: try txid(deliveries[1]), for: claimedAgain)?.deliveryState == .accepted,
            "a later claim of the same job reads the row")
        var anyClaim = deliveries[1]
        anyClaim.id = unclaimed.id
        #expect(try await fixture.deliveries.proofToDeliver(txid: unclaimedTxid, for: anyClaim)?.deliveryState == .accepted, "nothing handed over")
    }

    @Test func repeatedAndConcurrentRunsIssueOneProofAndOneLedgerEntry() async throws {
        let fixture = try ProofFixture()
        let (session, _) = try await fixture.paidSession()
        let job = try #require(try await fixture.claim(ProofIssuer.kind).first)
        let issuer = fixture.issuer()
        let outcomes = await withTaskGroup(of: JobOutcome.self) { group in
            for _ in 0..<8 { group.addTask { await issuer.run(job) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.count == 8)
        #expect(outcomes.allSatisfy { if case .recorded = $0 { true } else { false } })
        // One run ended the job; the others found it ended (as a worker whose lease was taken over would).
        #expect(outcomes.filter { if case .recorded(_, held: true, _) = $0 { true } else { false } }.count == 1)
        let txid = try #require(try await fixture.proofs.proof(sessionID: session.id)).txid
        #expect(await issuer.run(job) == .recorded(note: "proof \(txid) was already issued", held: false))
        #expect(try await fixture.proofCount() == 1)
        #expect(try await fixture.ledgerCount() == 1)
        #expect(try await fixture.jobs(ProofDelivery.kind).count == 1)
    }

    @Test func aRerunForACompletedSessionBuildsAndSignsNoProof() async throws {
        let fixture = try ProofFixture()
        let (session, _) = try await fixture.paidSession()
        let job = try #require(try await fixture.claim(ProofIssuer.kind).first)
        _ = await fixture.issuer().run(job)
        let stored = try #require(try await fixture.proofs.proof(sessionID: session.id))
        let builds = CallCounter()
        let (issue, _, _) = try await fixture.proofs.issue(
            sessionID: session.id, now: fixture.time.now(),
            build: { _ in
                _ = builds.next()
                return stored
            }, deliveryJob: { ProofDeliveryJob(txid: $0).job() })
        #expect(issue == .existing(stored))
        #expect(builds.value == 0)
        #expect(try await fixture.proofCount() == 1)
    }

    @Test func aRerunRestoresAMissingDeliveryJobOfAPendingProof() async throws {
        let fixture = try ProofFixture()
        let (session, _) = try await fixture.paidSession()
        let job = try #require(try await fixture.claim(ProofIssuer.kind).first)
        _ = await fixture.issuer().run(job)
        // The delivery job gone (cancelled and pruned, as an operator might).
        for delivery in try await fixture.jobs(ProofDelivery.kind) { try await fixture.stores.jobs.cancel(id: delivery.id) }
        fixture.time.advance(by: .seconds(1))
        _ = try await fixture.stores.jobs.prune(olderThan: .zero)
        #expect(try await fixture.jobs(ProofDelivery.kind).isEmpty)
        _ = await fixture.issuer().run(job)
        let txid = try #require(try await fixture.proofs.proof(sessionID: session.id)).txid
        #expect(try await fixture.jobs(ProofDelivery.kind).map(\.uniqueKey) == ["callback.deliver:\(txid)"])
        #expect(try await fixture.proofCount() == 1)
    }

    @Test func aChargeConfirmedAfterExpiryIsHonouredAndFlaggedLate() async throws {
        let fixture = try ProofFixture()
        let (pastExpiry, _) = try await fixture.paidSession(ttl: 60)
        let markedExpired = try await fixture.storedSession(ttl: 60)
        fixture.time.advance(by: .seconds(61))
        #expect(try await fixture.sessions.expirePending(now: fixture.time.now()) == 1)
        // The expired session's charge is confirmed afterwards (a late poll).
        _ = try await fixture.stores.charges.confirm(
            chargeReference: "sbx_late", sessionID: markedExpired.id,
            proofJob: ProofIssueJob(session: markedExpired.id, charge: "sbx_late").job())
        for job in try await fixture.claim(ProofIssuer.kind) {
            let outcome = await fixture.issuer().run(job)
            guard case .recorded(let note, held: true, _) = outcome else { Issue.record("expected success, got \(outcome)"); return }
            #expect(note?.hasSuffix("(late)") == true)
        }
        for session in [pastExpiry, markedExpired] {
            #expect(try await fixture.sessions.session(id: session.id)?.status == "completed")
            #expect(try await fixture.proofs.isLate(sessionID: session.id))
            #expect(try await fixture.proofs.proof(sessionID: session.id) != nil)
        }
        #expect(fixture.logs.messages(at: .warning).filter { $0.hasPrefix("late payment honoured") }.count == 2)
        #expect(try await fixture.ledgerCount() == 2)
    }

    @Test func anUnknownSessionIsDeadAndLoggedAtErrorLevel() async throws {
        let fixture = try ProofFixture()
        _ = try await fixture.runtime.stores.jobs.enqueue(ProofIssueJob(session: "cs_missing", charge: "sbx_x").job())
        let job = try #require(try await fixture.claim(ProofIssuer.kind).first)
        #expect(await fixture.issuer().run(job) == .dead(error: "no session cs_missing"))
        #expect(fixture.logs.messages(at: .error) == ["a charge was confirmed for an unknown session"])
        #expect(try await fixture.proofCount() == 0)
    }
}
