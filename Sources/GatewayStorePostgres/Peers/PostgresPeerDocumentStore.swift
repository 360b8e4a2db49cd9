import Foundation
import GatewayStore
import PostgresNIO

/// The `peer_metadata` table: one document per OCID, replaced by an upsert (last writer wins).
struct PostgresPeerDocumentStore: PeerDocumentStore {
    let database: PostgresDatabase

    func document(for ocid: UInt64) async throws -> StoredPeerDocument? {
        guard let row = try await database.run("""
            SELECT document, fetched_at FROM peer_metadata WHERE ocid = \(ocid.stored)
            """).first
        else { return nil }
        let r = row.makeRandomAccess()
        return StoredPeerDocument(
            ocid: ocid, document: [UInt8](try r.get("document", as: Data.self)), fetchedAt: try r.date("fetched_at"))
    }

    func save(_ stored: StoredPeerDocument) async throws {
        try await database.run("""
            INSERT INTO peer_metadata (ocid, document, fetched_at)
            VALUES (\(stored.ocid.stored), \(Data(stored.document)), \(stored.fetchedAt.millis))
            ON CONFLICT (ocid) DO UPDATE SET document = excluded.document, fetched_at = excluded.fetched_at
            """)
    }

    func prune(fetchedBefore cutOff: Date) async throws -> Int {
        try await database.run("DELETE FROM peer_metadata WHERE fetched_at < \(cutOff.millis) RETURNING ocid").count
    }
}
