import Foundation
import GRDB
import GatewayStore

/// The `peer_metadata` table: the database half of the metadata cache, shared by every process on the spool.
struct SQLitePeerDocumentStore: PeerDocumentStore {
    let database: SQLiteDatabase

    func document(for ocid: UInt64) async throws -> StoredPeerDocument? {
        try await database.read { db in
            let row = try Row.fetchOne(
                db, sql: "SELECT document, fetched_at FROM peer_metadata WHERE ocid = ?",
                arguments: [Int64(bitPattern: ocid)])
            return row.map { row in
                StoredPeerDocument(
                    ocid: ocid, document: [UInt8](row["document"] as Data), fetchedAt: Date(millis: row["fetched_at"]))
            }
        }
    }

    func save(_ stored: StoredPeerDocument) async throws {
        try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO peer_metadata (ocid, document, fetched_at) VALUES (?, ?, ?)
                    ON CONFLICT(ocid) DO UPDATE SET document = excluded.document, fetched_at = excluded.fetched_at
                    """,
                arguments: [Int64(bitPattern: stored.ocid), Data(stored.document), stored.fetchedAt.millis])
        }
    }

    func prune(fetchedBefore cutOff: Date) async throws -> Int {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM peer_metadata WHERE fetched_at < ?", arguments: [cutOff.millis])
            return db.changesCount
        }
    }
}
