import Foundation
import GatewayStore
import Testing

/// `CheckoutSessionStore`: the drain flag decided inside `create`, and finding a caller's order by its id.
@Suite("CheckoutSessionStore drain and order lookup", .serialized)
struct SessionDrainAndLookupTests {
    @Test(arguments: ConformanceBackend.allCases)
    func createWhileDrainingWritesNothingAndResumeLetsTheSameRequestIn(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let claim = NonceClaim(nonce: "nonce-drain", ocid: Seed.mg)
        let record = Seed.session(orderID: "order-drain", createdAt: fixture.now, expiresAt: fixture.clock.seconds + 900)
        try await fixture.jobs.setDraining(true)

        let refused = try await fixture.sessions.create(record, nonce: claim, job: Seed.openJob(record.id))

        guard case .draining = refused else { Issue.record("expected .draining, got \(refused)"); return }
        #expect(try await fixture.sessions.count() == 0)
        #expect(try await fixture.sessions.session(id: record.id) == nil)
        #expect(try await fixture.job(uniqueKey: "session.open:\(record.id)") == nil)
        #expect(try await fixture.nonces.isRecorded("nonce-drain", ocid: Seed.mg) == false, "the nonce is not spent")

        try await fixture.jobs.setDraining(false)
        let created = try await fixture.sessions.create(record, nonce: claim, job: Seed.openJob(record.id))
        guard case .created = created else { Issue.record("expected .created after resume, got \(created)"); return }
        #expect(try await fixture.nonces.isRecorded("nonce-drain", ocid: Seed.mg))
    }

    @Test(arguments: ConformanceBackend.allCases)
    func noCreateRacingADrainStoresASessionAfterTheDrainReturns(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let (now, expiry) = (fixture.now, fixture.clock.seconds + 900)
        let (sessions, jobs) = (fixture.sessions, fixture.jobs)
        let creators = 8

        // Creators keep creating until the drain refuses them, so creates are in flight whenever the drain runs; the
        // drain starts once some have been stored, and counts the sessions as soon as it returns.
        let outcomes = try await race(creators + 1) { index -> (created: Int, storedAtDrain: Int?) in
            guard index == creators else {
                var created = 0
                for attempt in 0... {
                    let record = Seed.session(createdAt: now, expiresAt: expiry)
                    let claim = NonceClaim(nonce: "nonce-\(index)-\(attempt)", ocid: Seed.mg)
                    guard case .created = try await sessions.create(record, nonce: claim, job: Seed.openJob(record.id))
                    else { return (created, nil) }
                    created += 1
                }
                return (created, nil)
            }
            while try await sessions.count() < 2 * creators { await Task.yield() }
            try await jobs.setDraining(true)
            return (0, try await sessions.count())
        }

        let storedAtDrain = try #require(outcomes[creators].storedAtDrain)
        #expect(outcomes.map(\.created).reduce(0, +) == storedAtDrain, "every session stored committed before the drain returned")
        #expect(try await sessions.count() == storedAtDrain)
        #expect(try await jobs.pendingWork(excludingKinds: []) == storedAtDrain, "a drain waits for each one's job")
    }

    @Test(arguments: ConformanceBackend.allCases)
    func anOrderIsFoundForItsOwnMGOnly(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let record = Seed.session(orderID: "order-7", createdAt: fixture.now, expiresAt: fixture.clock.seconds + 900)
        _ = try await fixture.sessions.create(record, nonce: nil, job: Seed.openJob(record.id))

        #expect(try await fixture.sessions.session(mgOCID: Seed.mg, orderID: "order-7", merchantOCID: nil) == record)
        #expect(try await fixture.sessions.session(mgOCID: Seed.mg, orderID: "order-7", merchantOCID: Seed.merchant) == record)
        #expect(try await fixture.sessions.session(mgOCID: Seed.mg, orderID: "order-7", merchantOCID: Seed.merchant + 1) == nil)
        #expect(try await fixture.sessions.session(mgOCID: Seed.mg + 1, orderID: "order-7", merchantOCID: nil) == nil)
        #expect(try await fixture.sessions.session(mgOCID: Seed.mg, orderID: "order-8", merchantOCID: nil) == nil)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func oneOrderIdAtTwoMerchantsFindsTheMostRecentUnlessTheMerchantIsNamed(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let older = Seed.session(
            id: "cs_b_older", merchant: Seed.merchant, orderID: "shared", createdAt: fixture.now,
            expiresAt: fixture.clock.seconds + 900)
        _ = try await fixture.sessions.create(older, nonce: nil, job: Seed.openJob(older.id))
        fixture.clock.advance(by: .seconds(1))
        let newer = Seed.session(
            id: "cs_a_newer", merchant: Seed.merchant + 1, orderID: "shared", createdAt: fixture.now,
            expiresAt: fixture.clock.seconds + 900)
        _ = try await fixture.sessions.create(newer, nonce: nil, job: Seed.openJob(newer.id))

        #expect(try await fixture.sessions.session(mgOCID: Seed.mg, orderID: "shared", merchantOCID: nil)?.id == newer.id)
        #expect(try await fixture.sessions.session(mgOCID: Seed.mg, orderID: "shared", merchantOCID: Seed.merchant)?.id == older.id)
        // Created in the same instant: the greater session id, on every backend.
        let twin = Seed.session(
            id: "cs_z_twin", merchant: Seed.merchant + 2, orderID: "shared", createdAt: fixture.now,
            expiresAt: fixture.clock.seconds + 900)
        _ = try await fixture.sessions.create(twin, nonce: nil, job: Seed.openJob(twin.id))
        #expect(try await fixture.sessions.session(mgOCID: Seed.mg, orderID: "shared", merchantOCID: nil)?.id == twin.id)
    }
}
