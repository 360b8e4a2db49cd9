import Foundation
import GatewayStore
import Testing

/// `CheckoutSessionStore`: creation with its nonce and first job, the idempotency key, and the lifecycle
/// transitions that are not charges.
@Suite("CheckoutSessionStore", .serialized)
struct CheckoutSessionStoreTests {
    @Test(arguments: ConformanceBackend.allCases)
    func createStoresTheSessionAndItsFirstJob(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let record = Seed.session(createdAt: fixture.now, expiresAt: fixture.clock.seconds + 900)

        let creation = try await fixture.sessions.create(record, nonce: nil, job: Seed.openJob(record.id))

        guard case .created(let created) = creation else { Issue.record("expected .created, got \(creation)"); return }
        #expect(created == record)
        #expect(try await fixture.sessions.session(id: record.id) == record)
        #expect(try await fixture.sessions.count() == 1)
        let overview = try #require(try await fixture.sessions.overview(id: record.id))
        #expect(overview == SessionOverview(session: record, merchantName: nil, chargeReference: nil, statusChangedAt: nil))
        let job = try #require(try await fixture.job(uniqueKey: "session.open:\(record.id)"))
        #expect(job.kind == "session.open")
        #expect(job.state == .queued)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func createWithoutAJobStoresTheSessionWithItsMerchantsNameAndEnqueuesNothing(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        var record = Seed.session(createdAt: fixture.now, expiresAt: fixture.clock.seconds + 900)
        record.merchantName = "Shop <b>&"

        let creation = try await fixture.sessions.create(record, nonce: nil, job: nil)

        guard case .created(let created) = creation else { Issue.record("expected .created, got \(creation)"); return }
        #expect(created == record)
        #expect(try await fixture.sessions.session(id: record.id)?.merchantName == "Shop <b>&")
        #expect(try await fixture.sessions.overview(id: record.id)?.merchantName == "Shop <b>&")
        #expect(try await fixture.sessions.name(sessionID: record.id, merchantName: "Other") == false)
        #expect(try await fixture.jobs.list(JobFilter()).isEmpty)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func unknownSessionReadsAsNil(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        #expect(try await fixture.sessions.session(id: "cs_missing") == nil)
        #expect(try await fixture.sessions.overview(id: "cs_missing") == nil)
        #expect(try await fixture.sessions.count() == 0)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func largeOCIDsRoundTrip(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let record = Seed.session(
            mg: UInt64.max, merchant: UInt64(Int64.max) + 1, createdAt: fixture.now,
            expiresAt: fixture.clock.seconds + 900)
        _ = try await fixture.sessions.create(record, nonce: NonceClaim(nonce: "n", ocid: UInt64.max), job: Seed.openJob(record.id))

        #expect(try await fixture.sessions.session(id: record.id) == record)
        #expect(try await fixture.sessions.list(SessionFilter(mgOCID: UInt64.max)).map(\.session.id) == [record.id])
        #expect(
            try await fixture.sessions.list(SessionFilter(merchantOCID: UInt64(Int64.max) + 1)).map(\.session.id)
                == [record.id])
    }

    @Test(arguments: ConformanceBackend.allCases)
    func identicalResubmissionFindsTheExistingSession(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let first = Seed.session(orderID: "order-1", createdAt: fixture.now, expiresAt: fixture.clock.seconds + 900)
        _ = try await fixture.sessions.create(first, nonce: nil, job: Seed.openJob(first.id))
        fixture.clock.advance(by: .seconds(5))
        // The acceptor mints a new session id for every request; the order is what is the same.
        let again = Seed.session(orderID: "order-1", createdAt: fixture.now, expiresAt: fixture.clock.seconds + 900)

        let creation = try await fixture.sessions.create(again, nonce: nil, job: Seed.openJob(again.id))

        guard case .existing(let existing) = creation else { Issue.record("expected .existing, got \(creation)"); return }
        #expect(existing == first)
        #expect(try await fixture.sessions.count() == 1)
        #expect(try await fixture.sessions.session(id: again.id) == nil)
        #expect(try await fixture.job(uniqueKey: "session.open:\(again.id)") == nil)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func differentOrderWithTheSameKeyConflicts(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let first = Seed.session(orderID: "order-1", createdAt: fixture.now, expiresAt: fixture.clock.seconds + 900)
        _ = try await fixture.sessions.create(first, nonce: nil, job: Seed.openJob(first.id))
        let changed = Seed.session(
            orderID: "order-1", version: 2, amount: "99.00", createdAt: fixture.now,
            expiresAt: fixture.clock.seconds + 900)

        let creation = try await fixture.sessions.create(changed, nonce: nil, job: Seed.openJob(changed.id))

        guard case .conflict(let existingID) = creation else { Issue.record("expected .conflict, got \(creation)"); return }
        #expect(existingID == first.id)
        #expect(try await fixture.sessions.count() == 1)
        #expect(try await fixture.sessions.session(id: first.id) == first)
        #expect(try await fixture.job(uniqueKey: "session.open:\(changed.id)") == nil)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func sameOrderIDForAnotherMerchantOrMGIsANewSession(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let expiry = fixture.clock.seconds + 900
        let records = [
            Seed.session(mg: Seed.mg, merchant: Seed.merchant, orderID: "order-1", createdAt: fixture.now, expiresAt: expiry),
            Seed.session(mg: Seed.mg, merchant: Seed.otherMerchant, orderID: "order-1", createdAt: fixture.now, expiresAt: expiry),
            Seed.session(mg: Seed.otherMG, merchant: Seed.merchant, orderID: "order-1", createdAt: fixture.now, expiresAt: expiry),
        ]
        for record in records {
            let creation = try await fixture.sessions.create(record, nonce: nil, job: Seed.openJob(record.id))
            #expect(creation.name == "created")
        }
        #expect(try await fixture.sessions.count() == 3)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func nonceUsedForAnotherOrderIsRefusedAndNothingIsWritten(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let claim = NonceClaim(nonce: "nonce-1", ocid: Seed.mg)
        let first = Seed.session(createdAt: fixture.now, expiresAt: fixture.clock.seconds + 900)
        _ = try await fixture.sessions.create(first, nonce: claim, job: Seed.openJob(first.id))
        let other = Seed.session(createdAt: fixture.now, expiresAt: fixture.clock.seconds + 900)

        let creation = try await fixture.sessions.create(other, nonce: claim, job: Seed.openJob(other.id))

        guard case .nonceReused(let error) = creation else { Issue.record("expected .nonceReused, got \(creation)"); return }
        #expect(error == .reused(ocid: Seed.mg, nonce: "nonce-1"))
        #expect(try await fixture.sessions.count() == 1)
        #expect(try await fixture.sessions.session(id: other.id) == nil)
        #expect(try await fixture.job(uniqueKey: "session.open:\(other.id)") == nil)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func identicalResubmissionWithTheSameNonceIsAReplay(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let claim = NonceClaim(nonce: "nonce-1", ocid: Seed.mg)
        let first = Seed.session(orderID: "order-1", createdAt: fixture.now, expiresAt: fixture.clock.seconds + 900)
        _ = try await fixture.sessions.create(first, nonce: claim, job: Seed.openJob(first.id))
        let again = Seed.session(orderID: "order-1", createdAt: fixture.now, expiresAt: fixture.clock.seconds + 900)

        let creation = try await fixture.sessions.create(again, nonce: claim, job: Seed.openJob(again.id))

        #expect(creation.name == "nonceReused")
        #expect(try await fixture.sessions.count() == 1)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func nonceIsPerCaller(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let first = Seed.session(createdAt: fixture.now, expiresAt: fixture.clock.seconds + 900)
        let second = Seed.session(createdAt: fixture.now, expiresAt: fixture.clock.seconds + 900)
        let a = try await fixture.sessions.create(first, nonce: NonceClaim(nonce: "n", ocid: 1), job: Seed.openJob(first.id))
        let b = try await fixture.sessions.create(second, nonce: NonceClaim(nonce: "n", ocid: 2), job: Seed.openJob(second.id))
        #expect(a.name == "created")
        #expect(b.name == "created")
    }

    @Test(arguments: ConformanceBackend.allCases)
    func nonceClaimedByCreateIsTheNonceStoresNonce(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let record = Seed.session(createdAt: fixture.now, expiresAt: fixture.clock.seconds + 900)
        _ = try await fixture.sessions.create(record, nonce: NonceClaim(nonce: "n-create", ocid: Seed.mg), job: Seed.openJob(record.id))
        await #expect(throws: NonceError.reused(ocid: Seed.mg, nonce: "n-create")) {
            try await fixture.nonces.record("n-create", ocid: Seed.mg)
        }

        try await fixture.nonces.record("n-record", ocid: Seed.mg)
        let other = Seed.session(createdAt: fixture.now, expiresAt: fixture.clock.seconds + 900)
        let creation = try await fixture.sessions.create(
            other, nonce: NonceClaim(nonce: "n-record", ocid: Seed.mg), job: Seed.openJob(other.id))
        #expect(creation.name == "nonceReused")
        #expect(try await fixture.sessions.count() == 1)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func nonceStaysRefusedUntilItsRetentionEnds(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let claim = NonceClaim(nonce: "nonce-1", ocid: Seed.mg)
        let first = Seed.session(createdAt: fixture.now, expiresAt: fixture.clock.seconds + 900)
        _ = try await fixture.sessions.create(first, nonce: claim, job: Seed.openJob(first.id))
        fixture.clock.advance(by: NonceRetention.window - .seconds(1))

        let other = Seed.session(createdAt: fixture.now, expiresAt: fixture.clock.seconds + 900)
        let creation = try await fixture.sessions.create(other, nonce: claim, job: Seed.openJob(other.id))

        #expect(creation.name == "nonceReused")
    }

    @Test(arguments: ConformanceBackend.allCases)
    func nonceIsUsableAgainAfterItsRetention(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let claim = NonceClaim(nonce: "nonce-1", ocid: Seed.mg)
        let first = Seed.session(createdAt: fixture.now, expiresAt: fixture.clock.seconds + 900)
        _ = try await fixture.sessions.create(first, nonce: claim, job: Seed.openJob(first.id))
        fixture.clock.advance(by: NonceRetention.window + .seconds(1))

        let later = Seed.session(createdAt: fixture.now, expiresAt: fixture.clock.seconds + 900)
        let creation = try await fixture.sessions.create(later, nonce: claim, job: Seed.openJob(later.id))

        let count = try await fixture.sessions.count()
        #expect(creation.name == "created", "an existing record older than the retention is taken over")
        #expect(count == 2)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func merchantNameIsStoredOnce(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let session = try await fixture.createSession()
        #expect(try await fixture.sessions.session(id: session.id)?.merchantName == nil)

        #expect(try await fixture.sessions.name(sessionID: session.id, merchantName: "Shop One"))
        #expect(try await fixture.sessions.name(sessionID: session.id, merchantName: "Shop Two") == false)

        #expect(try await fixture.sessions.session(id: session.id)?.merchantName == "Shop One")
        #expect(try await fixture.sessions.overview(id: session.id)?.merchantName == "Shop One")
    }

    @Test(arguments: ConformanceBackend.allCases)
    func namingAnUnknownSessionReturnsFalse(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        #expect(try await fixture.sessions.name(sessionID: "cs_missing", merchantName: "Shop") == false)
        #expect(try await fixture.sessions.session(id: "cs_missing") == nil)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func cancellingTwiceReportsCancelledBothTimes(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let session = try await fixture.createSession()
        fixture.clock.advance(by: .seconds(10))
        let cancelledAt = fixture.now

        let first = try await fixture.sessions.cancel(sessionID: session.id, now: cancelledAt)
        fixture.clock.advance(by: .seconds(10))
        let second = try await fixture.sessions.cancel(sessionID: session.id, now: fixture.now)

        var cancelled = session
        cancelled.status = SessionStatus.cancelled.rawValue
        #expect(first == .cancelled(cancelled))
        #expect(second == .cancelled(cancelled))
        // The repeated transition changed nothing: the status moved once, at the first call.
        #expect(try await fixture.sessions.overview(id: session.id)?.statusChangedAt == cancelledAt)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func cancellingAnExpiredOrProcessingSessionIsRefused(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let expiring = try await fixture.createSession()
        let processing = try await fixture.createSession()
        try await fixture.claim(processing.id)

        let refusedProcessing = try await fixture.sessions.cancel(sessionID: processing.id, now: fixture.now)
        fixture.clock.advance(by: .seconds(Seed.lifetime))
        let refusedExpired = try await fixture.sessions.cancel(sessionID: expiring.id, now: fixture.now)

        guard case .notCancellable(let asProcessing) = refusedProcessing else {
            Issue.record("expected .notCancellable, got \(refusedProcessing)")
            return
        }
        #expect(asProcessing.status == SessionStatus.processing.rawValue)
        guard case .notCancellable(let asExpired) = refusedExpired else {
            Issue.record("expected .notCancellable, got \(refusedExpired)")
            return
        }
        #expect(asExpired.effectiveStatus(at: fixture.clock.seconds) == .expired)
        #expect(try await fixture.sessions.cancel(sessionID: "cs_missing", now: fixture.now) == .unknown)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func expirePendingLeavesProcessingSessionsAlone(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let pending = try await fixture.createSession()
        let processing = try await fixture.createSession()
        try await fixture.claim(processing.id)
        fixture.clock.advance(by: .seconds(60))
        let younger = try await fixture.createSession()
        // Past the first two sessions' expiry (inclusive), not the younger one's.
        fixture.clock.advance(by: .seconds(Seed.lifetime - 60))
        let expiredAt = fixture.now

        #expect(try await fixture.sessions.expirePending(now: expiredAt) == 1)

        #expect(try await fixture.sessions.session(id: pending.id)?.status == SessionStatus.expired.rawValue)
        #expect(try await fixture.sessions.overview(id: pending.id)?.statusChangedAt == expiredAt)
        #expect(try await fixture.sessions.session(id: processing.id)?.status == SessionStatus.processing.rawValue)
        #expect(try await fixture.sessions.session(id: younger.id)?.status == SessionStatus.pending.rawValue)
        // Repeated, it changes nothing.
        #expect(try await fixture.sessions.expirePending(now: fixture.now) == 0)
    }

    /// A busy gateway has more lapsed sessions than a batch between two runs: every one expires, in several
    /// transactions, and the younger ones stay pending.
    @Test(arguments: ConformanceBackend.allCases)
    func expirePendingExpiresMoreThanABatchAndKeepsTheYoung(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let lapsed = MaintenanceBatches.size * 2 + 7
        try await inLanes(lapsed) { _ in _ = try await fixture.createSession() }
        fixture.clock.advance(by: .seconds(60))
        let younger = try await fixture.createSession()
        fixture.clock.advance(by: .seconds(Seed.lifetime - 60))

        let (expired, batches) = try await batched { try await fixture.sessions.expirePending(now: fixture.now) }
        #expect(expired == lapsed)
        #expect(batches == [MaintenanceBatches.size, MaintenanceBatches.size, 7], "one transaction per batch")
        #expect(try await fixture.sessions.expirePending(now: fixture.now) == 0)
        #expect(try await fixture.sessions.session(id: younger.id)?.status == SessionStatus.pending.rawValue)
        #expect(try await fixture.sessions.list(SessionFilter(status: .expired)).count == lapsed)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func listFiltersAndOrdersNewestFirst(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let start = fixture.now
        let a = try await fixture.createSession(mg: Seed.mg, merchant: Seed.merchant)
        fixture.clock.advance(by: .seconds(10))
        let b = try await fixture.createSession(mg: Seed.otherMG, merchant: Seed.merchant)
        fixture.clock.advance(by: .seconds(10))
        let middle = fixture.now
        let c = try await fixture.createSession(mg: Seed.mg, merchant: Seed.otherMerchant)
        fixture.clock.advance(by: .seconds(10))
        let d = try await fixture.createSession(mg: Seed.mg, merchant: Seed.merchant)
        _ = try await fixture.sessions.cancel(sessionID: b.id, now: fixture.now)
        let sessions = fixture.sessions

        func ids(_ filter: SessionFilter) async throws -> [String] {
            try await sessions.list(filter).map(\.session.id)
        }
        #expect(try await ids(SessionFilter()) == [d.id, c.id, b.id, a.id])
        #expect(try await ids(SessionFilter(status: .cancelled)) == [b.id])
        #expect(try await ids(SessionFilter(status: .pending)) == [d.id, c.id, a.id])
        #expect(try await ids(SessionFilter(mgOCID: Seed.mg)) == [d.id, c.id, a.id])
        #expect(try await ids(SessionFilter(merchantOCID: Seed.otherMerchant)) == [c.id])
        #expect(try await ids(SessionFilter(mgOCID: Seed.mg, merchantOCID: Seed.merchant)) == [d.id, a.id])
        #expect(try await ids(SessionFilter(since: middle)) == [d.id, c.id], "since is inclusive")
        #expect(try await ids(SessionFilter(until: middle)) == [b.id, a.id], "until is exclusive")
        #expect(try await ids(SessionFilter(since: start, until: middle)) == [b.id, a.id])
        #expect(try await ids(SessionFilter(limit: 2)) == [d.id, c.id])
        #expect(try await ids(SessionFilter(status: .expired)) == [])
        let cancelled = try #require(try await sessions.list(SessionFilter(status: .cancelled)).first)
        #expect(cancelled.statusChangedAt == fixture.now)
    }
}
