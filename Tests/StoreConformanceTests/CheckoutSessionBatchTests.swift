import Foundation
import GatewayStore
import GatewayStorePostgres
import Testing

/// `CheckoutSessionStore.create` under a burst: the backends share transactions between concurrent creates (group
/// commit), and every caller must still get the answer it would have had alone, also against another caller of the
/// same batch.
@Suite("CheckoutSessionStore batches", .serialized)
struct CheckoutSessionBatchTests {
    /// One create of the burst and the answer it must get, whatever the order the backend took them in.
    private enum Expect {
        /// Created.
        case alone
        /// One of a group with a shared nonce (exactly one is created; the others' nonces are refused) or a shared
        /// order key (exactly one is created; the others see it: `.existing` when identical, `.conflict` if not).
        case sharesNonce(group: Int)
        case sharesOrder(group: Int, identical: Bool)
    }

    private struct Request: Sendable {
        let record: CheckoutSessionRecord
        let nonce: NonceClaim
    }

    @Test(arguments: ConformanceBackend.allCases)
    func aBurstOfCreatesAnswersEachCallerAsIfAlone(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let expires = fixture.clock.seconds + Seed.lifetime
        var requests: [Request] = []
        var expected: [Expect] = []
        func add(_ record: CheckoutSessionRecord, nonce: String, _ expect: Expect) {
            requests.append(Request(record: record, nonce: NonceClaim(nonce: nonce, ocid: Seed.merchant)))
            expected.append(expect)
        }
        for i in 0..<40 { add(Seed.session(createdAt: fixture.now, expiresAt: expires), nonce: "alone-\(i)", .alone) }
        for group in 0..<6 {
            for _ in 0..<3 { add(Seed.session(createdAt: fixture.now, expiresAt: expires), nonce: "shared-\(group)", .sharesNonce(group: group)) }
        }
        for group in 0..<6 {
            for copy in 0..<2 {
                add(Seed.session(orderID: "same-\(group)", createdAt: fixture.now, expiresAt: expires),
                    nonce: "same-\(group)-\(copy)", .sharesOrder(group: group, identical: true))
            }
            add(Seed.session(orderID: "same-\(group)", version: 2, createdAt: fixture.now, expiresAt: expires),
                nonce: "same-\(group)-changed", .sharesOrder(group: group, identical: false))
        }
        let burst = requests

        let answers = try await race(burst.count) { i in
            try await fixture.sessions.create(burst[i].record, nonce: burst[i].nonce, job: Seed.openJob(burst[i].record.id))
        }

        var createdBySharedNonce: [Int: Int] = [:]
        var orderHolders: [Int: CheckoutSessionRecord] = [:]
        for (i, answer) in answers.enumerated() {
            let record = requests[i].record
            switch (expected[i], answer) {
            case (.alone, .created(let created)):
                #expect(created == record)
            case (.sharesNonce(let group), .created):
                createdBySharedNonce[group, default: 0] += 1
            case (.sharesNonce, .nonceReused):
                #expect(try await fixture.sessions.session(id: record.id) == nil)
                #expect(try await fixture.job(uniqueKey: "session.open:\(record.id)") == nil)
            case (.sharesOrder(let group, _), .created(let created)):
                #expect(orderHolders[group] == nil, "two sessions created for one order key")
                orderHolders[group] = created
            case (.sharesOrder, .existing), (.sharesOrder, .conflict):
                break
            default:
                Issue.record("request \(i) (\(expected[i])) answered \(answer)")
            }
        }
        #expect(createdBySharedNonce == Dictionary(uniqueKeysWithValues: (0..<6).map { ($0, 1) }))
        #expect(orderHolders.count == 6)
        // The others of each order group saw the one created: identical ones as `.existing`, a changed order as
        // `.conflict`, each naming the holder.
        for (i, answer) in answers.enumerated() {
            guard case .sharesOrder(let group, let identical) = expected[i], let holder = orderHolders[group],
                holder.id != requests[i].record.id
            else { continue }
            switch answer {
            case .existing(let existing):
                #expect(existing == holder)
                #expect(identical && holder.requestDigest == requests[i].record.requestDigest)
            case .conflict(let existingID):
                #expect(existingID == holder.id)
                #expect(holder.requestDigest != requests[i].record.requestDigest)
            default:
                Issue.record("request \(i) of order group \(group) answered \(answer)")
            }
        }
        // Exactly the created sessions are stored, each with its first job.
        var created: [CheckoutSessionRecord] = []
        for case .created(let record) in answers { created.append(record) }
        #expect(created.count == 40 + 6 + 6)
        #expect(try await fixture.sessions.count() == created.count)
        for record in created {
            #expect(try await fixture.job(uniqueKey: "session.open:\(record.id)")?.state == .queued)
        }
        // Every nonce that got past its check is recorded, the refused ones included (held by their winner).
        for request in requests {
            #expect(try await fixture.nonces.isRecorded(request.nonce.nonce, ocid: request.nonce.ocid))
        }
    }

    @Test(arguments: ConformanceBackend.allCases)
    func aBurstWhileDrainingWritesNothing(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        try await fixture.jobs.setDraining(true)
        let expires = fixture.clock.seconds + Seed.lifetime
        let records = (0..<30).map { _ in Seed.session(createdAt: fixture.now, expiresAt: expires) }

        let answers = try await race(records.count) { i in
            try await fixture.sessions.create(
                records[i], nonce: NonceClaim(nonce: "drain-\(i)", ocid: Seed.merchant), job: Seed.openJob(records[i].id))
        }

        for answer in answers {
            guard case .draining = answer else { Issue.record("expected .draining, got \(answer)"); continue }
        }
        #expect(try await fixture.sessions.count() == 0)
        #expect(try await fixture.nonces.isRecorded("drain-0", ocid: Seed.merchant) == false)
    }
}

/// The PostgreSQL group commit itself: that creates share transactions, and what a failed batch does to the rest.
@Suite("PostgreSQL group commit", .serialized)
struct PostgresGroupCommitTests {
    @Test func concurrentCreatesShareTransactions() async throws {
        let shared = try PostgresTestDatabase.openShared(time: TestClock())
        defer { shared.discard() }
        let backend = shared.backends[0]
        let clock = TestClock()
        let records = (0..<64).map { _ in Seed.session(createdAt: clock.now(), expiresAt: clock.seconds + Seed.lifetime) }

        let answers = try await race(records.count) { i in
            try await backend.stores.sessions.create(records[i], nonce: nil, job: Seed.openJob(records[i].id))
        }

        #expect(answers.allSatisfy { if case .created = $0 { true } else { false } })
        #expect(backend.checkoutTransactions < records.count)
        #expect(try await backend.stores.sessions.count() == records.count)
    }

    @Test func aBatchTheServerRefusesFailsOnlyTheCallerWhoseRowItRefused() async throws {
        let shared = try PostgresTestDatabase.openShared(time: TestClock())
        defer { shared.discard() }
        let backend = shared.backends[0]
        let clock = TestClock()
        let records = (0..<32).map { i in
            // PostgreSQL text cannot hold NUL: the server refuses this row, and with it the batch it rides in.
            Seed.session(orderID: i == 7 ? "poisoned\u{0}" : "order-\(i)", createdAt: clock.now(),
                         expiresAt: clock.seconds + Seed.lifetime)
        }

        let answers = try await race(records.count) { i -> Result<SessionCreation, any Error> in
            await Result(awaiting: {
                try await backend.stores.sessions.create(
                    records[i], nonce: NonceClaim(nonce: "n-\(i)", ocid: Seed.merchant), job: Seed.openJob(records[i].id))
            })
        }

        for (i, answer) in answers.enumerated() {
            switch answer {
            case .success(.created): #expect(i != 7)
            case .failure: #expect(i == 7)
            case .success(let other): Issue.record("request \(i) answered \(other)")
            }
        }
        #expect(try await backend.stores.sessions.count() == records.count - 1)
        // The refused caller's nonce was given back, in memory and in the database.
        #expect(try await backend.stores.nonces.isRecorded("n-7", ocid: Seed.merchant) == false)
        #expect(backend.stores.nonces.recentlySeen("n-7", ocid: Seed.merchant) == false)
    }
}

extension Result where Failure == any Error {
    /// The outcome of `body`, thrown errors included.
    init(awaiting body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
