import Foundation
import GRDB

/// A peer's metadata document as last fetched, kept so a restart within the cache TTL need not refetch it.
public struct StoredPeerDocument: Sendable, Equatable {
    /// The peer's OCID.
    public let ocid: UInt64
    /// The response body exactly as fetched; it is verified again when read back.
    public let document: [UInt8]
    /// When the document was fetched.
    public let fetchedAt: Date

    public init(ocid: UInt64, document: [UInt8], fetchedAt: Date) {
        self.ocid = ocid
        self.document = document
        self.fetchedAt = fetchedAt
    }
}

/// The `peer_metadata` table: the database half of the metadata cache, shared by every process on the spool.
public struct PeerDocumentStore: Sendable {
    private let database: GatewayDatabase

    public init(database: GatewayDatabase) {
        self.database = database
    }

    /// The stored document of `ocid`, if any, however old.
    public func document(for ocid: UInt64) async throws -> StoredPeerDocument? {
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

    /// Stores (or replaces) the document of a peer.
    public func save(_ stored: StoredPeerDocument) async throws {
        try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO peer_metadata (ocid, document, fetched_at) VALUES (?, ?, ?)
                    ON CONFLICT(ocid) DO UPDATE SET document = excluded.document, fetched_at = excluded.fetched_at
                    """,
                arguments: [Int64(bitPattern: stored.ocid), Data(stored.document), stored.fetchedAt.millis])
        }
    }

    /// Deletes documents fetched before `cutOff` (peers that have not called for that long); returns how many.
    public func prune(fetchedBefore cutOff: Date) async throws -> Int {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM peer_metadata WHERE fetched_at < ?", arguments: [cutOff.millis])
            return db.changesCount
        }
    }
}
