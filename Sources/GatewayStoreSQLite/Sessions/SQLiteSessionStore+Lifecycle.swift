import Foundation
import GRDB
import GatewayStore

// The transitions the lifecycle jobs make, each one conditional statement so that a job run twice (a worker died
// after committing) or racing another process changes nothing the second time.
extension SQLiteSessionStore {
    /// Stores the merchant's display name unless one is stored already; false if the session was named before
    /// (or does not exist).
    func name(sessionID: String, merchantName: String) async throws -> Bool {
        try await database.write { db in
            try db.cachedStatement(sql: "UPDATE checkout_sessions SET merchant_name = ? WHERE id = ? AND merchant_name IS NULL").execute(arguments: [merchantName, sessionID])
            return db.changesCount == 1
        }
    }

    /// Records that the backend took the money for `reference` and enqueues `proofJob` in the same transaction.
    /// The session's status and expiry are not consulted: a late payment still gets its proof (money was taken).
    func confirm(chargeReference reference: String, sessionID: String, proofJob: NewJob) async throws
        -> ChargeConfirmation
    {
        let queue = self.queue
        return try await database.write { db in
            try db.cachedStatement(sql: "UPDATE payment_charges SET state = 'succeeded' WHERE reference = ? AND session_id = ?").execute(arguments: [reference, sessionID])
            // The proof is about the session's MG, which the job's caller (a poll that knows only the session id)
            // does not name.
            let session = try Self.fetch(sessionID, in: db)
            let job = try queue.enqueue(session.map { proofJob.about(mg: $0.mgOCID) } ?? proofJob, in: db)
            return ChargeConfirmation(session: session, proofJob: job)
        }
    }

    /// Records that the charge `reference` failed for good and, if it still holds its session, puts the session
    /// back to `pending` (spec §13 item 12: a failed attempt leaves the session payable until it expires).
    /// - Returns: the session as it is now, or nil if it does not exist.
    func fail(chargeReference reference: String, sessionID: String, now: Date) async throws
        -> CheckoutSessionRecord?
    {
        try await database.write { db in
            try db.cachedStatement(sql: "UPDATE payment_charges SET state = 'failed' WHERE reference = ? AND session_id = ?").execute(arguments: [reference, sessionID])
            try db.cachedStatement(sql: """
                    UPDATE checkout_sessions SET status = 'pending', charge_reference = NULL, status_changed_at = ?
                    WHERE id = ? AND status = 'processing' AND charge_reference = ?
                    """).execute(arguments: [now.millis, sessionID, reference])
            return try Self.fetch(sessionID, in: db)
        }
    }

    /// Marks every `pending` session whose expiry has passed `expired`, `MaintenanceBatches.size` per transaction;
    /// sessions in `processing` are left alone because money may be moving. Returns how many sessions expired.
    func expirePending(now: Date) async throws -> Int {
        let seconds = Int64(now.timeIntervalSince1970.rounded(.down))
        return try await MaintenanceBatches.run { limit in
            try await database.write { db in
                try db.execute(sql: MaintenanceStatements.sessionExpiry, arguments: [now.millis, seconds, limit])
                return db.changesCount
            }
        }
    }

    /// Sessions matching `filter`, newest first by `(created_at, id)`; a page continues after `filter.after` on the
    /// `(created_at, id)` index (a row-value comparison SQLite walks as a range).
    func list(_ filter: SessionFilter) async throws -> [SessionOverview] {
        var terms = ["1"]
        var arguments = StatementArguments()
        if let status = filter.status { terms.append("status = ?"); arguments += [status.rawValue] }
        if let mg = filter.mgOCID { terms.append("mg_ocid = ?"); arguments += [Int64(bitPattern: mg)] }
        if let merchant = filter.merchantOCID { terms.append("merchant_ocid = ?"); arguments += [Int64(bitPattern: merchant)] }
        if let since = filter.since { terms.append("created_at >= ?"); arguments += [since.millis] }
        if let until = filter.until { terms.append("created_at < ?"); arguments += [until.millis] }
        if let text = filter.text {
            // The ids the text names, each found by one index lookup (the primary key, the idempotency key, which
            // leads with the order id, and the proof's txid), then their rows by primary key: an OR of the three
            // would walk every session.
            terms.append("""
                id IN (SELECT id FROM checkout_sessions WHERE id = ? UNION ALL
                    SELECT id FROM checkout_sessions WHERE order_id = ? UNION ALL
                    SELECT session_id FROM transfer_proofs WHERE txid = ?)
                """)
            arguments += [text, text, text]
        }
        if let after = filter.after {
            terms.append("(created_at, id) < (?, ?)")
            arguments += [after.createdAt.millis, after.id]
        }
        var sql = """
            SELECT * FROM checkout_sessions WHERE \(terms.joined(separator: " AND ")) ORDER BY created_at DESC, id DESC
            """
        if let limit = filter.limit { sql += " LIMIT ?"; arguments += [limit] }
        let (query, values) = (sql, arguments)
        return try await database.read { db in
            try Row.fetchAll(db, sql: query, arguments: values).map(Self.overview)
        }
    }

    /// One session as operators see it, or nil.
    func overview(id: String) async throws -> SessionOverview? {
        try await database.read { db in
            try Row.decodeFirst(db.cachedStatement(sql: "SELECT * FROM checkout_sessions WHERE id = ?"), arguments: [id], as: Self.overview)
        }
    }

    private static func overview(_ row: Row) -> SessionOverview {
        SessionOverview(
            session: record(row), merchantName: row["merchant_name"], chargeReference: row["charge_reference"],
            statusChangedAt: (row["status_changed_at"] as Int64?).map(Date.init(millis:)))
    }
}
