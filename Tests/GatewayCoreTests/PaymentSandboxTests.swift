import Foundation
import GatewayCore
import GatewayStore
import GatewayTestSupport
import Opencharge
import Testing

/// A fresh spool database with one pending session, as the acceptor leaves it.
struct PaymentFixture {
    let time = ManualTime()
    let stores: GatewayStores
    var queue: any JobQueue { stores.jobs }
    var sessions: any CheckoutSessionStore { stores.sessions }
    var charges: any ChargeStore { stores.charges }
    let session: CheckoutSessionRecord

    init(ttl: Int64 = 1800) async throws {
        stores = try TestStores.sqlite(time: time)
        let now = time.now()
        let record = CheckoutSessionRecord(
            id: SessionID.generate(), mgOCID: 300, merchantOCID: 500, orderID: "ord_1", orderJSON: "{}",
            orderSignature: "00", requestDigest: "d", amount: "10.00", currency: "USD",
            successURL: "https://merchant.example/ok", cancelURL: "https://merchant.example/cancel", status: "pending",
            createdAt: now, expiresAt: Int64(now.timeIntervalSince1970) + ttl)
        _ = try await stores.sessions.create(record, nonce: nil, job: SessionOpenJob(session: record.id).job())
        session = record
    }

    func backend(delay: Duration = .seconds(10)) -> SandboxBackend {
        SandboxBackend(charges: charges, settleDelay: delay, time: time)
    }

    func jobs(_ kind: String) async throws -> [Job] {
        try await queue.list(JobFilter(kind: kind))
    }

    func status() async throws -> String? {
        try await sessions.session(id: session.id)?.status
    }
}

struct PaymentSandboxTests {
    @Test func aSuccessfulChargeClaimsTheSessionAndQueuesItsProof() async throws {
        let fixture = try await PaymentFixture()
        let start = try await fixture.backend().startCharge(for: fixture.session, choice: "succeed")
        guard case .succeeded(let reference, nil) = start else { Issue.record("expected success, got \(start)"); return }
        #expect(reference.hasPrefix("sbx_") && reference.count == 28 && Hex.decode(reference.dropFirst(4)) != nil)
        let session = try #require(try await fixture.sessions.session(id: fixture.session.id))
        #expect(session.status == "processing")
        #expect(try await fixture.charges.charges(sessionID: session.id).map(\.reference) == [reference])
        let jobs = try await fixture.jobs("proof.issue")
        #expect(jobs.count == 1)
        #expect(jobs.first?.uniqueKey == "proof.issue:\(session.id)")
        let payload = try JSONParser.parse(Array(try #require(jobs.first).payload))
        #expect(payload["session"] == .string(session.id))
        #expect(payload["charge"] == .string(reference))
        #expect(try await fixture.backend().state(ofCharge: reference) == .succeeded)
    }

    @Test func aDeclineChangesNothing() async throws {
        let fixture = try await PaymentFixture()
        let start = try await fixture.backend().startCharge(for: fixture.session, choice: "decline")
        #expect(start == .declined(reason: SandboxBackend.declineReason))
        #expect(try await fixture.status() == "pending")
        #expect(try await fixture.charges.charges(sessionID: fixture.session.id).isEmpty)
        #expect(try await fixture.jobs("proof.issue").isEmpty)
        let retry = try await fixture.backend().startCharge(for: fixture.session, choice: "succeed")
        guard case .succeeded = retry else { Issue.record("a declined session must stay payable, got \(retry)"); return }
    }

    @Test func aDelayedChargeIsPendingUntilItsTimeThenSucceeds() async throws {
        let fixture = try await PaymentFixture()
        let backend = fixture.backend(delay: .seconds(30))
        let start = try await backend.startCharge(for: fixture.session, choice: "delay")
        guard case .pending(let reference) = start else { Issue.record("expected pending, got \(start)"); return }
        #expect(try await fixture.status() == "processing")
        let polls = try await fixture.jobs("payment.poll")
        #expect(polls.count == 1)
        #expect(polls.first?.runAt == fixture.time.now().addingTimeInterval(30))
        #expect(try JSONParser.parse(Array(try #require(polls.first).payload))["charge"] == .string(reference))
        #expect(try await fixture.jobs("proof.issue").isEmpty)
        #expect(try await backend.state(ofCharge: reference) == .pending)
        fixture.time.advance(by: .seconds(30))
        #expect(try await backend.state(ofCharge: reference) == .succeeded)
    }

    @Test func concurrentChargesTakeTheMoneyOnce() async throws {
        let fixture = try await PaymentFixture()
        let backend = fixture.backend()
        let session = fixture.session
        let starts = try await withThrowingTaskGroup(of: ChargeStart.self) { group in
            for _ in 0..<16 { group.addTask { try await backend.startCharge(for: session, choice: "succeed") } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let successes = starts.filter { if case .succeeded = $0 { true } else { false } }
        #expect(successes.count == 1)
        #expect(starts.count == 16)
        #expect(try await fixture.charges.charges(sessionID: session.id).count == 1)
        #expect(try await fixture.jobs("proof.issue").count == 1)
    }

    @Test func anExpiredSessionCannotBePaid() async throws {
        let fixture = try await PaymentFixture(ttl: 60)
        fixture.time.advance(by: .seconds(61))
        let start = try await fixture.backend().startCharge(for: fixture.session, choice: "succeed")
        guard case .notPayable(let current) = start else { Issue.record("expected not payable, got \(start)"); return }
        #expect(current.effectiveStatus(at: Int64(fixture.time.now().timeIntervalSince1970)) == .expired)
        #expect(try await fixture.charges.charges(sessionID: fixture.session.id).isEmpty)
    }

    @Test func anUnknownChoiceIsRefused() async throws {
        let fixture = try await PaymentFixture()
        await #expect(throws: PaymentError.unknownChoice("steal")) {
            _ = try await fixture.backend().startCharge(for: fixture.session, choice: "steal")
        }
        #expect(try await fixture.status() == "pending")
    }

    @Test func cancellingIsOnceAndOnlyWhilePending() async throws {
        let fixture = try await PaymentFixture()
        let first = try await fixture.sessions.cancel(sessionID: fixture.session.id, now: fixture.time.now())
        guard case .cancelled = first else { Issue.record("expected cancelled, got \(first)"); return }
        let second = try await fixture.sessions.cancel(sessionID: fixture.session.id, now: fixture.time.now())
        guard case .cancelled = second else { Issue.record("cancelling again must stay cancelled, got \(second)"); return }
        let start = try await fixture.backend().startCharge(for: fixture.session, choice: "succeed")
        guard case .notPayable = start else { Issue.record("a cancelled session must not be paid, got \(start)"); return }

        let paid = try await PaymentFixture()
        _ = try await paid.backend().startCharge(for: paid.session, choice: "succeed")
        let late = try await paid.sessions.cancel(sessionID: paid.session.id, now: paid.time.now())
        guard case .notCancellable(let current) = late else { Issue.record("a paid session must not cancel, got \(late)"); return }
        #expect(current.status == "processing")
    }
}

struct PaymentFormTokenTests {
    @Test func aTokenOpensOnlyItsOwnSessionUnderItsOwnKey() {
        let key = PrivateKey.generate()
        let tokens = FormToken(gatewayKey: key)
        let token = tokens.token(for: "cs_a")
        #expect(token.count == 64)
        #expect(tokens.verifies(token, for: "cs_a"))
        #expect(FormToken(gatewayKey: key).verifies(token, for: "cs_a"), "another process with the same key agrees")
        #expect(!tokens.verifies(token, for: "cs_b"))
        #expect(!tokens.verifies("", for: "cs_a"))
        #expect(!tokens.verifies("zz" + token.dropFirst(2), for: "cs_a"))
        #expect(!FormToken(gatewayKey: .generate()).verifies(token, for: "cs_a"))
    }
}
