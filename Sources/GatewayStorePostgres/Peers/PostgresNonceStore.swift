import Foundation
import GatewayStore
import PostgresNIO

/// Request nonces in the `nonces` table shared by every acceptor host, with this process's recent ones in memory.
/// Recording is one `INSERT … ON CONFLICT DO UPDATE … WHERE` on the primary key: a row comes back only when this
/// call inserted the nonce or took over a record older than the retention, so of racing hosts exactly one wins.
struct PostgresNonceStore: NonceStore {
    static let retention = NonceRetention.window

    let database: PostgresDatabase
    let time: any TimeSource
    private let recent: RecentNonces

    init(database: PostgresDatabase, time: any TimeSource, frontCapacity: Int = 100_000) {
        self.database = database
        self.time = time
        recent = RecentNonces(capacity: frontCapacity, retention: Self.retention)
    }

    func recentlySeen(_ nonce: String, ocid: UInt64) -> Bool {
        recent.contains(nonce, ocid: ocid, at: time.now())
    }

    /// Records the nonce in the caller's transaction; if that rolls back, call `forget`.
    /// - Throws: `NonceError.reused` when the nonce was used within the retention.
    func record(_ nonce: String, ocid: UInt64, in tx: Transaction) async throws {
        try await record(nonce, ocid: ocid) { query in try await tx.run(query) }
    }

    /// Records several nonces in the caller's transaction with one statement (a group commit's); if that rolls
    /// back, call `forget` for each claimed.
    /// - Returns: for each claim, whether this call claimed it. False when it was used within the retention: by
    ///   another host, by this process, or by an equal claim earlier in `claims` (the first of equals wins).
    func record(_ claims: [NonceClaim], in tx: Transaction) async throws -> [Bool] {
        let instant = time.now()
        // This process's memory refuses the nonces it knows, and the second of two equal claims, so the statement
        // never meets one row twice (ON CONFLICT DO UPDATE refuses that).
        var claimed = claims.map { recent.claim($0.nonce, ocid: $0.ocid, at: instant) }
        // Sorted, so racing batches on other hosts take the rows' locks in one order and cannot deadlock.
        let candidates = claims.indices.filter { claimed[$0] }
            .sorted { (claims[$0].ocid.stored, claims[$0].nonce) < (claims[$1].ocid.stored, claims[$1].nonce) }
        guard !candidates.isEmpty else { return claimed }
        let now = instant.millis
        let rows: [PostgresRow]
        do {
            rows = try await tx.run("""
                INSERT INTO nonces (ocid, nonce, seen_at)
                SELECT c.ocid, c.nonce, \(now)
                FROM unnest(\(candidates.map { claims[$0].ocid.stored })::bigint[],
                            \(candidates.map { claims[$0].nonce })::text[]) WITH ORDINALITY AS c(ocid, nonce, n)
                ORDER BY c.n
                ON CONFLICT (ocid, nonce) DO UPDATE SET seen_at = excluded.seen_at
                    WHERE nonces.seen_at < \(now - Self.retention.millis)
                RETURNING ocid, nonce
                """)
        } catch {
            for i in candidates { recent.release(claims[i].nonce, ocid: claims[i].ocid) }
            throw error
        }
        let won = Set(try rows.map { row in
            let r = row.makeRandomAccess()
            return NonceKey(ocid: try r.ocid("ocid"), nonce: try r.get("nonce"))
        })
        // Another process holds the rest (this process's memory only knows its own).
        for i in candidates where !won.contains(NonceKey(ocid: claims[i].ocid, nonce: claims[i].nonce)) { claimed[i] = false }
        return claimed
    }

    func record(_ nonce: String, ocid: UInt64) async throws {
        try await record(nonce, ocid: ocid) { query in try await database.run(query) }
    }

    private func record(
        _ nonce: String, ocid: UInt64, run: (PostgresQuery) async throws -> [PostgresRow]
    ) async throws {
        let instant = time.now()
        guard recent.claim(nonce, ocid: ocid, at: instant) else { throw NonceError.reused(ocid: ocid, nonce: nonce) }
        let now = instant.millis
        let rows: [PostgresRow]
        do {
            rows = try await run("""
                INSERT INTO nonces (ocid, nonce, seen_at) VALUES (\(ocid.stored), \(nonce), \(now))
                ON CONFLICT (ocid, nonce) DO UPDATE SET seen_at = excluded.seen_at
                    WHERE nonces.seen_at < \(now - Self.retention.millis)
                RETURNING seen_at
                """)
        } catch {
            recent.release(nonce, ocid: ocid)
            throw error
        }
        // Another process holds it (this process's memory only knows its own).
        guard !rows.isEmpty else { throw NonceError.reused(ocid: ocid, nonce: nonce) }
    }

    func forget(_ nonce: String, ocid: UInt64) {
        recent.release(nonce, ocid: ocid)
    }

    func isRecorded(_ nonce: String, ocid: UInt64) async throws -> Bool {
        let since = time.now().millis - Self.retention.millis
        return !(try await database.run("""
            SELECT 1 FROM nonces WHERE ocid = \(ocid.stored) AND nonce = \(nonce) AND seen_at >= \(since)
            """)).isEmpty
    }

    @discardableResult
    func prune() async throws -> Int {
        let cutoff = time.now().millis - Self.retention.millis
        return try await MaintenanceBatches.run { limit in
            // SKIP LOCKED: a prune on another host takes other rows instead of waiting for these.
            try await database.count("""
                WITH doomed AS (
                    SELECT ocid, nonce FROM nonces WHERE seen_at < \(cutoff) LIMIT \(limit) FOR UPDATE SKIP LOCKED
                ), gone AS (
                    DELETE FROM nonces n USING doomed d WHERE n.ocid = d.ocid AND n.nonce = d.nonce RETURNING 1
                )
                SELECT count(*) AS n FROM gone
                """)
        }
    }
}

private struct NonceKey: Hashable {
    let ocid: UInt64
    let nonce: String
}
