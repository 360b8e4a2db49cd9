import Foundation
import GRDB
import GatewayStore

/// Request nonces, unique per caller OCID for `retention` (spec §3.3), shared by every acceptor process on
/// the spool through the `nonces` table, with an in-memory front for replays this process already saw.
///
/// Recording is one `INSERT … ON CONFLICT` statement: an existing row younger than `retention` refuses the
/// nonce; an older one (not yet pruned) is taken over. Two processes racing on one nonce meet at the primary
/// key, and exactly one wins.
struct SQLiteNonceStore: NonceStore {
    static let retention = NonceRetention.window

    private let database: SQLiteDatabase
    private let time: any TimeSource
    private let recent: RecentNonces

    /// - Parameters:
    ///   - frontCapacity: nonces held in memory per generation (two generations are kept).
    init(database: SQLiteDatabase, time: any TimeSource = SystemTime(), frontCapacity: Int = 100_000) {
        self.database = database
        self.time = time
        self.recent = RecentNonces(capacity: frontCapacity, retention: Self.retention)
    }

    /// Whether this process recorded the nonce lately: a cheap early refusal before any signature work.
    /// False does not mean unused; only `record` decides.
    func recentlySeen(_ nonce: String, ocid: UInt64) -> Bool {
        recent.contains(nonce, ocid: ocid, at: time.now())
    }

    /// Records the nonce inside the caller's write transaction, so it commits with the caller's rows (a checkout
    /// session) in one commit. If that transaction rolls back, call `forget` so this process accepts the nonce
    /// again.
    /// - Throws: `NonceError.reused` when the nonce was used within `retention`; database errors.
    func record(_ nonce: String, ocid: UInt64, in db: Database) throws {
        let instant = time.now()
        guard recent.claim(nonce, ocid: ocid, at: instant) else { throw NonceError.reused(ocid: ocid, nonce: nonce) }
        let now = instant.millis
        do {
            // Cached: this runs once per checkout, and compiling it each time cost more than executing it.
            try db.cachedStatement(
                sql: """
                    INSERT INTO nonces (ocid, nonce, seen_at) VALUES (?, ?, ?)
                    ON CONFLICT(ocid, nonce) DO UPDATE SET seen_at = excluded.seen_at WHERE nonces.seen_at < ?
                    """
            ).execute(arguments: [Int64(bitPattern: ocid), nonce, now, now - Self.retention.millis])
        } catch {
            recent.release(nonce, ocid: ocid)
            throw error
        }
        // Another process recorded it (the memory front only knows this one).
        guard db.changesCount == 1 else { throw NonceError.reused(ocid: ocid, nonce: nonce) }
    }

    func isRecorded(_ nonce: String, ocid: UInt64) async throws -> Bool {
        let since = time.now().millis - Self.retention.millis
        return try await database.read { db in
            try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM nonces WHERE ocid = ? AND nonce = ? AND seen_at >= ?)",
                arguments: [Int64(bitPattern: ocid), nonce, since]) ?? false
        }
    }

    /// Records the nonce in a transaction of its own.
    /// - Throws: `NonceError.reused` when the nonce was used within `retention`; database errors.
    func record(_ nonce: String, ocid: UInt64) async throws {
        do {
            try await database.write { db in try record(nonce, ocid: ocid, in: db) }
        } catch let error as NonceError {
            throw error
        } catch {
            recent.release(nonce, ocid: ocid)
            throw error
        }
    }

    /// Forgets a claim whose transaction rolled back, so the caller may retry with the same nonce.
    func forget(_ nonce: String, ocid: UInt64) {
        recent.release(nonce, ocid: ocid)
    }

    /// Deletes nonces older than `retention`. - Returns: how many were deleted.
    @discardableResult
    func prune() async throws -> Int {
        let cutoff = time.now().millis - Self.retention.millis
        return try await MaintenanceBatches.run { limit in
            try await database.write { db in
                try db.execute(sql: MaintenanceStatements.noncePrune, arguments: [cutoff, limit])
                return db.changesCount
            }
        }
    }
}
