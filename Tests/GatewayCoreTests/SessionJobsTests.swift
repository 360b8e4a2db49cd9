import Foundation
import GatewayConfig
import GatewaySimulator
import GatewayCore
import GatewayStore
import GatewayTestSupport
import Logging
import Opencharge
import Testing

/// A backend that reports every charge in one fixed state; charges are started by the sandbox.
private struct FixedStateBackend: PaymentBackend {
    let sandbox: SandboxBackend
    let state: ChargeRecord.State

    var name: String { sandbox.name }
    var choices: [PaymentChoice] { sandbox.choices }

    func startCharge(for session: CheckoutSessionRecord, choice: String, heldBy holder: JobHolder?)
        async throws(PaymentError) -> ChargeStart
    {
        try await sandbox.startCharge(for: session, choice: choice, heldBy: holder)
    }

    func state(ofCharge reference: String) async throws(PaymentError) -> ChargeRecord.State { state }
}

extension PaymentFixture {
    var logger: Logger { Logger(label: "test.session-jobs") }

    /// Claims the one runnable job of `kind` as a worker would.
    func claim(_ kind: String) async throws -> ClaimedJob {
        try #require(try await queue.claim(kinds: [kind], limit: 1, worker: "test", lease: .seconds(30)).first)
    }

    func polling(_ backend: any PaymentBackend) -> PaymentPolling {
        PaymentPolling(sessions: sessions, charges: charges, backend: backend, time: time, logger: logger)
    }

    /// A `delay` charge on the fixture's session, its poll due now.
    func pendingCharge(delay: Duration = .seconds(30)) async throws -> (charge: String, poll: ClaimedJob) {
        let start = try await backend(delay: delay).startCharge(for: session, choice: "delay")
        guard case .pending(let reference) = start else { throw FixtureProblem("expected a pending charge, got \(start)") }
        time.advance(by: delay)
        return (reference, try await claim(PaymentPolling.kind))
    }

    /// Another session of the same merchant, stored with `status` and expiring `ttl` seconds from now.
    func otherSession(_ orderID: String, status: SessionStatus, ttl: Int64) async throws -> String {
        let now = time.now()
        var record = session
        record.id = SessionID.generate()
        record.orderID = orderID
        record.status = status.rawValue
        record.createdAt = now
        record.expiresAt = Int64(now.timeIntervalSince1970) + ttl
        _ = try await sessions.create(record, nonce: nil, job: SessionOpenJob(session: record.id).job())
        return record.id
    }
}

struct FixtureProblem: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

struct SessionOpenJobTests {
    private func merchant(named name: String) -> InlinePeerDirectory {
        InlinePeerDirectory([
            SimulatedParty(ocid: 500, name: name, endpoint: "https://merchant.example").metadata
        ])
    }

    /// The fixture's own `session.open` job carries no payload, so the tests run one shaped like the acceptor's.
    private func openJob(_ fixture: PaymentFixture, session: String) async throws -> ClaimedJob {
        _ = try await fixture.queue.enqueue(
            NewJob(kind: "test.session.open", payload: Data(CanonicalJSON.encode(["session": .string(session)]))))
        return try await fixture.claim("test.session.open")
    }

    @Test func storesTheMerchantNameOnceAndKeepsIt() async throws {
        let fixture = try await PaymentFixture()
        let job = try await openJob(fixture, session: fixture.session.id)
        let first = SessionOpening(sessions: fixture.sessions, peers: merchant(named: "Shop <b>&"), logger: fixture.logger)
        #expect(await first.run(job) == .succeeded(note: "merchant named Shop <b>&"))
        #expect(try await fixture.sessions.session(id: fixture.session.id)?.merchantName == "Shop <b>&")

        // A second run (a worker died after committing) changes nothing, even if the metadata changed meanwhile.
        let again = SessionOpening(sessions: fixture.sessions, peers: merchant(named: "Renamed"), logger: fixture.logger)
        #expect(await again.run(job) == .succeeded(note: "already named Shop <b>&"))
        #expect(try await fixture.sessions.session(id: fixture.session.id)?.merchantName == "Shop <b>&")
        #expect(try await fixture.status() == "pending")
    }

    @Test func retriesWhileTheMetadataIsUnavailable() async throws {
        let fixture = try await PaymentFixture()
        let job = try await openJob(fixture, session: fixture.session.id)
        let outcome = await SessionOpening(sessions: fixture.sessions, peers: InlinePeerDirectory([PeerMetadata]()), logger: fixture.logger)
            .run(job)
        guard case .retry(let failure, _) = outcome else { Issue.record("expected a retry, got \(outcome)"); return }
        #expect(failure.error.contains("merchant 500"))
        #expect(try await fixture.sessions.session(id: fixture.session.id)?.merchantName == nil)
    }

    @Test func aJobForAMissingSessionIsDead() async throws {
        let fixture = try await PaymentFixture()
        let job = try await openJob(fixture, session: "cs_nope")
        let outcome = await SessionOpening(sessions: fixture.sessions, peers: merchant(named: "Shop"), logger: fixture.logger)
            .run(job)
        #expect(outcome == .dead(error: "session cs_nope does not exist"))
    }
}

struct PaymentPollJobTests {
    @Test func aPendingChargeIsAskedAgainWithGrowingBackoff() async throws {
        let fixture = try await PaymentFixture()
        let (charge, poll) = try await fixture.pendingCharge()
        let pending = FixedStateBackend(sandbox: fixture.backend(), state: .pending)
        let outcome = await fixture.polling(pending).run(poll)
        #expect(outcome == .retry(error: "charge \(charge) is still pending", after: .seconds(2)))
        #expect(try await fixture.jobs(ProofIssuer.kind).isEmpty)
        #expect(try await fixture.status() == "processing")
        #expect(PaymentPolling.backoff(afterAttempt: 2) == .seconds(4))
        #expect(PaymentPolling.backoff(afterAttempt: 5) == .seconds(32))
        #expect(PaymentPolling.backoff(afterAttempt: 40) == .seconds(60))
    }

    @Test func aSucceededChargeQueuesItsProofOnceHoweverOftenItRuns() async throws {
        let fixture = try await PaymentFixture()
        let (charge, poll) = try await fixture.pendingCharge()
        let polling = fixture.polling(fixture.backend())
        guard case .succeeded = await polling.run(poll) else { Issue.record("the poll must succeed"); return }
        guard case .succeeded = await polling.run(poll) else { Issue.record("a second run must succeed too"); return }

        let proofs = try await fixture.jobs(ProofIssuer.kind)
        #expect(proofs.count == 1)
        #expect(proofs.first?.uniqueKey == "proof.issue:\(fixture.session.id)")
        let payload = try JSONParser.parse(Array(try #require(proofs.first).payload))
        #expect(payload["charge"] == .string(charge))
        #expect(try await fixture.charges.charge(reference: charge)?.state == .succeeded)
        #expect(try await fixture.status() == "processing", "proof.issue completes the session, not the poll")
    }

    @Test func aFailedChargeLeavesTheSessionPayableAgain() async throws {
        let fixture = try await PaymentFixture()
        let (charge, poll) = try await fixture.pendingCharge()
        let failing = FixedStateBackend(sandbox: fixture.backend(), state: .failed)
        #expect(await fixture.polling(failing).run(poll) == .succeeded(note: "charge \(charge) failed; session pending"))
        #expect(try await fixture.charges.charge(reference: charge)?.state == .failed)
        #expect(try await fixture.sessions.overview(id: fixture.session.id)?.chargeReference == nil)
        #expect(try await fixture.jobs(ProofIssuer.kind).isEmpty)

        let retry = try await fixture.backend().startCharge(for: fixture.session, choice: "succeed")
        guard case .succeeded = retry else { Issue.record("the session must be payable again, got \(retry)"); return }
        #expect(try await fixture.charges.charges(sessionID: fixture.session.id).map(\.state) == [.failed, .succeeded])
    }

    @Test func aLateConfirmationStillGetsItsProof() async throws {
        let fixture = try await PaymentFixture(ttl: 60)
        let (charge, poll) = try await fixture.pendingCharge(delay: .seconds(120))
        #expect(fixture.time.now().timeIntervalSince1970 > TimeInterval(fixture.session.expiresAt))

        // The sweep leaves the processing session alone: money may be moving.
        _ = await SessionExpiry(sessions: fixture.sessions, time: fixture.time).run(try await fixture.claimSweep())
        #expect(try await fixture.status() == "processing")

        let outcome = await fixture.polling(fixture.backend()).run(poll)
        #expect(outcome == .succeeded(note: "charge \(charge) succeeded after the session expired; proof.issue queued"))
        #expect(try await fixture.jobs(ProofIssuer.kind).map(\.uniqueKey) == ["proof.issue:\(fixture.session.id)"])
    }

    @Test func anUnknownChargeIsDead() async throws {
        let fixture = try await PaymentFixture()
        _ = try await fixture.queue.enqueue(
            PaymentPollJob(session: fixture.session.id, charge: "sbx_missing").job(runAt: fixture.time.now()))
        let outcome = await fixture.polling(fixture.backend()).run(try await fixture.claim(PaymentPolling.kind))
        #expect(outcome == .dead(error: "the sandbox backend knows no charge sbx_missing"))
    }
}

extension PaymentFixture {
    /// A `session.expire` job claimed as the scheduler's would be.
    func claimSweep() async throws -> ClaimedJob {
        _ = try await queue.enqueue(NewJob(kind: SessionExpiry.kind))
        return try await claim(SessionExpiry.kind)
    }
}

struct SessionExpiryJobTests {
    @Test func expiresOnlyPendingSessionsPastTheirExpiry() async throws {
        let fixture = try await PaymentFixture(ttl: 60)
        let fresh = try await fixture.otherSession("ord_fresh", status: .pending, ttl: 3600)
        let processing = try await fixture.otherSession("ord_paying", status: .processing, ttl: 60)
        let completed = try await fixture.otherSession("ord_done", status: .completed, ttl: 60)
        let cancelled = try await fixture.otherSession("ord_cancelled", status: .cancelled, ttl: 60)
        fixture.time.advance(by: .seconds(60))

        let sweep = SessionExpiry(sessions: fixture.sessions, time: fixture.time)
        #expect(await sweep.run(try await fixture.claimSweep()) == .succeeded(note: "expired 1 sessions"))
        let statuses = try await [fixture.session.id, fresh, processing, completed, cancelled].asyncMap {
            try await fixture.sessions.session(id: $0)?.status
        }
        #expect(statuses == ["expired", "pending", "processing", "completed", "cancelled"])
        #expect(try await fixture.sessions.overview(id: fixture.session.id)?.statusChangedAt == fixture.time.now())

        // Idempotent: the next period finds nothing left to expire.
        #expect(try await fixture.sessions.expirePending(now: fixture.time.now()) == 0)
    }

    @Test func isRegisteredAsARecurringJobEveryThirtySeconds() {
        let recurring = GatewayJobs.recurring(WorkersSection(), spool: SpoolLayout(root: "spool")).filter { $0.kind == SessionExpiry.kind }
        #expect(recurring.map(\.every) == [.seconds(30)])
        let configured = GatewayJobs.recurring(WorkersSection(sessionExpireEvery: .seconds(5)), spool: SpoolLayout(root: "spool"))
        #expect(configured.filter { $0.kind == SessionExpiry.kind }.map(\.every) == [.seconds(5)])
        #expect(GatewayJobs.maintenanceKinds.contains(SessionExpiry.kind))
        #expect(GatewayJobs.kinds.isSuperset(of: [SessionOpening.kind, PaymentPolling.kind, SessionExpiry.kind]))
    }
}

extension Array {
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
