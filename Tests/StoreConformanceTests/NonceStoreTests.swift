import Foundation
import GatewayStore
import Testing

/// `NonceStore`: request nonces, unique per caller for `NonceRetention.window`.
@Suite("NonceStore", .serialized)
struct NonceStoreTests {
    @Test(arguments: ConformanceBackend.allCases)
    func aNonceIsRecordedOncePerCaller(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)

        try await fixture.nonces.record("n-1", ocid: 1)
        await #expect(throws: NonceError.reused(ocid: 1, nonce: "n-1")) {
            try await fixture.nonces.record("n-1", ocid: 1)
        }
        try await fixture.nonces.record("n-1", ocid: 2)
        try await fixture.nonces.record("n-2", ocid: 1)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func aNonceRecordedHereIsRecentlySeen(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        #expect(fixture.nonces.recentlySeen("n-1", ocid: 1) == false)

        try await fixture.nonces.record("n-1", ocid: 1)

        #expect(fixture.nonces.recentlySeen("n-1", ocid: 1))
        #expect(fixture.nonces.recentlySeen("n-1", ocid: 2) == false)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func aNonceIsRefusedUntilItsRetentionEnds(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        try await fixture.nonces.record("n-1", ocid: 1)
        fixture.clock.advance(by: NonceRetention.window - .seconds(1))

        await #expect(throws: NonceError.reused(ocid: 1, nonce: "n-1")) {
            try await fixture.nonces.record("n-1", ocid: 1)
        }
    }

    @Test(arguments: ConformanceBackend.allCases)
    func anExpiredRecordIsTakenOverWithoutAPrune(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        try await fixture.nonces.record("n-1", ocid: 1)
        fixture.clock.advance(by: NonceRetention.window + .seconds(1))

        try await fixture.nonces.record("n-1", ocid: 1)

        // Taken over now, so refused again for a whole retention.
        await #expect(throws: NonceError.reused(ocid: 1, nonce: "n-1")) {
            try await fixture.nonces.record("n-1", ocid: 1)
        }
    }

    /// A busy gateway's prune has more than one batch to delete: every expired nonce goes, in several transactions,
    /// and the young ones stay.
    @Test(arguments: ConformanceBackend.allCases)
    func pruneDeletesMoreThanABatchAndKeepsTheYoung(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let expired = MaintenanceBatches.size * 2 + 7
        try await inLanes(expired) { n in
            // A millisecond apart, so no batch can take them all by their one instant.
            fixture.clock.advance(by: .milliseconds(1))
            try await fixture.nonces.record("old-\(n)", ocid: 1)
        }
        fixture.clock.advance(by: NonceRetention.window - .seconds(10))
        try await fixture.nonces.record("young", ocid: 1)
        fixture.clock.advance(by: .seconds(11))

        let (pruned, batches) = try await batched { try await fixture.nonces.prune() }
        #expect(pruned == expired)
        // A batch takes every nonce of its last instant, and up to eight lanes can share one.
        #expect(batches.count >= 3 && batches.allSatisfy { $0 <= MaintenanceBatches.size + 7 }, "\(batches)")
        #expect(try await fixture.nonces.prune() == 0)
        #expect(try await fixture.nonces.isRecorded("young", ocid: 1))
    }

    @Test(arguments: ConformanceBackend.allCases)
    func pruneDeletesOnlyNoncesOlderThanTheRetention(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        try await fixture.nonces.record("old-1", ocid: 1)
        try await fixture.nonces.record("old-2", ocid: 2)
        fixture.clock.advance(by: NonceRetention.window - .seconds(10))
        try await fixture.nonces.record("young", ocid: 1)
        fixture.clock.advance(by: .seconds(11))

        #expect(try await fixture.nonces.prune() == 2)
        #expect(try await fixture.nonces.prune() == 0)

        // Pruned, the old nonces are free again; the young one is not.
        try await fixture.nonces.record("old-2", ocid: 2)

        await #expect(throws: NonceError.reused(ocid: 1, nonce: "young")) {
            try await fixture.nonces.record("young", ocid: 1)
        }
    }
}
