import Foundation
import GatewayStore
import Testing

/// `PeerDocumentStore`: the database half of the peer metadata cache.
@Suite("PeerDocumentStore", .serialized)
struct PeerDocumentStoreTests {
    @Test(arguments: ConformanceBackend.allCases)
    func saveKeepsTheBytesExactly(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        // Not valid UTF-8 on purpose: the body is kept as fetched, byte for byte.
        let document = StoredPeerDocument(ocid: Seed.mg, document: [0x7B, 0x00, 0xFF, 0xC3, 0x7D], fetchedAt: fixture.now)

        try await fixture.peerDocuments.save(document)

        #expect(try await fixture.peerDocuments.document(for: Seed.mg) == document)
        #expect(try await fixture.peerDocuments.document(for: Seed.otherMG) == nil)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func saveReplacesThePeersDocument(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        try await fixture.peerDocuments.save(StoredPeerDocument(ocid: Seed.mg, document: Array("old".utf8), fetchedAt: fixture.now))
        fixture.clock.advance(by: .seconds(30))
        let newer = StoredPeerDocument(ocid: Seed.mg, document: Array("new".utf8), fetchedAt: fixture.now)

        try await fixture.peerDocuments.save(newer)

        #expect(try await fixture.peerDocuments.document(for: Seed.mg) == newer)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func pruneDeletesOnlyDocumentsFetchedBeforeTheCutOff(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let old = StoredPeerDocument(ocid: 1, document: Array("1".utf8), fetchedAt: fixture.now)
        fixture.clock.advance(by: .seconds(10))
        let cutOff = fixture.now
        let atCutOff = StoredPeerDocument(ocid: 2, document: Array("2".utf8), fetchedAt: cutOff)
        for document in [old, atCutOff] { try await fixture.peerDocuments.save(document) }

        #expect(try await fixture.peerDocuments.prune(fetchedBefore: cutOff) == 1)

        #expect(try await fixture.peerDocuments.document(for: 1) == nil)
        #expect(try await fixture.peerDocuments.document(for: 2) == atCutOff)
        #expect(try await fixture.peerDocuments.prune(fetchedBefore: cutOff) == 0)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func racingSavesLeaveOneOfTheSavedDocuments(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let store = fixture.peerDocuments
        let now = fixture.now

        _ = try await race { index in
            try await store.save(StoredPeerDocument(ocid: Seed.mg, document: Array("doc-\(index)".utf8), fetchedAt: now))
        }

        let stored = try #require(try await store.document(for: Seed.mg))
        let candidates = (0..<racers).map { Array("doc-\($0)".utf8) }
        #expect(candidates.contains(stored.document), "last writer wins, whole")
    }
}
