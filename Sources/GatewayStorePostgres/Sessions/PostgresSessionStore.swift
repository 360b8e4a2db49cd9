import Foundation
import GatewayStore
import PostgresNIO

/// Checkout sessions and their charges. Creates share transactions (`BatchCommitter`, `SessionBatch`). Each lifecycle transition is one conditional UPDATE: of concurrent callers
/// on any host, the one whose UPDATE finds the row in the expected state moves it; the others wait for its row
/// lock, re-check the condition on the committed row (READ COMMITTED) and change nothing.
final class PostgresSessionStore: CheckoutSessionStore, ChargeStore {
    let database: PostgresDatabase
    let queue: PostgresJobQueue
    let nonces: PostgresNonceStore
    /// Shares transactions between concurrent creates.
    let committer: BatchCommitter<SessionRequest, SessionCreation>

    /// - Parameter maxBatch: the most creates one transaction takes: 14 parameters a session, far below the
    ///   protocol's 65,535, and a transaction short enough that the next batch does not wait long behind it.
    /// Sessions a held claim moved, for the `proof.issue` job it claimed (`PostgresProofStore.issue` takes them).
    let claimedSessions: HandedOver<CheckoutSessionRecord>

    init(
        database: PostgresDatabase, queue: PostgresJobQueue, nonces: PostgresNonceStore,
        claimedSessions: HandedOver<CheckoutSessionRecord>, maxBatch: Int = 256
    ) {
        self.claimedSessions = claimedSessions
        self.database = database
        self.queue = queue
        self.nonces = nonces
        committer = BatchCommitter(maxBatch: maxBatch) { requests in
            try await SessionBatch(requests: requests, queue: queue, nonces: nonces).commit(on: database)
        }
    }

    /// Creates go through a group commit (`SessionBatch`): concurrent creates share one transaction. A nonce
    /// refused rolls back nothing it did not write; a session that already exists keeps the nonce claimed (the
    /// request used it), as on every backend.
    func create(_ record: CheckoutSessionRecord, nonce: NonceClaim?, job: NewJob?) async throws -> SessionCreation {
        try await committer.submit(SessionRequest(record: record, nonce: nonce, job: job))
    }

    /// Prepared: the hosted page and every payment read a session by id, and parsing and planning this cost
    /// PostgreSQL more than running it (`pg_stat_statements` in `bench flow`).
    func session(id: String) async throws -> CheckoutSessionRecord? {
        var query = DynamicQuery("SELECT * FROM checkout_sessions WHERE id = ")
        query.append(query.bind(id))
        return try await database.run(query, as: SessionByID.self).first.map(Self.record)
    }

    func session(mgOCID: UInt64, orderID: String, merchantOCID: UInt64?) async throws -> CheckoutSessionRecord? {
        var query = DynamicQuery("SELECT * FROM checkout_sessions WHERE mg_ocid = ")
        query.append("\(query.bind(mgOCID.stored)) AND order_id = \(query.bind(orderID))")
        if let merchantOCID { query.append(" AND merchant_ocid = \(query.bind(merchantOCID.stored))") }
        // Byte order on ties, as every backend answers (the database's collation might not be).
        query.append(" ORDER BY created_at DESC, id COLLATE \"C\" DESC LIMIT 1")
        return try await database.run(query.query).first.map(Self.record)
    }

    func count() async throws -> Int {
        try await database.count("SELECT count(*) AS n FROM checkout_sessions")
    }

    func name(sessionID: String, merchantName: String) async throws -> Bool {
        !(try await database.run("""
            UPDATE checkout_sessions SET merchant_name = \(merchantName)
            WHERE id = \(sessionID) AND merchant_name IS NULL RETURNING id
            """)).isEmpty
    }

    func cancel(sessionID: String, now: Date) async throws -> SessionCancellation {
        let seconds = Int64(now.timeIntervalSince1970)
        // Two statements, not one: a statement's snapshot predates a racing cancel that committed while this one
        // waited for the row, so only a read after the UPDATE sees it.
        var rows = try await database.run("""
            UPDATE checkout_sessions SET status = 'cancelled', status_changed_at = \(now.millis)
            WHERE id = \(sessionID) AND status = 'pending' AND expires_at > \(seconds)
            RETURNING *
            """)
        if rows.isEmpty { rows = try await database.run("SELECT * FROM checkout_sessions WHERE id = \(sessionID)") }
        guard let row = rows.first else { return .unknown }
        let session = try Self.record(row)
        return session.status == SessionStatus.cancelled.rawValue ? .cancelled(session) : .notCancellable(session)
    }

    func expirePending(now: Date) async throws -> Int {
        let seconds = Int64(now.timeIntervalSince1970.rounded(.down))
        return try await MaintenanceBatches.run { limit in
            // SKIP LOCKED: a session a payer is claiming right now is left to that claim (and the next run), and an
            // expiry on another host takes other sessions instead of waiting for these.
            try await database.count("""
                WITH due AS (
                    SELECT id FROM checkout_sessions WHERE status = 'pending' AND expires_at <= \(seconds)
                    LIMIT \(limit) FOR UPDATE SKIP LOCKED
                ), expired AS (
                    UPDATE checkout_sessions s SET status = 'expired', status_changed_at = \(now.millis)
                    FROM due WHERE s.id = due.id RETURNING 1
                )
                SELECT count(*) AS n FROM expired
                """)
        }
    }

    func list(_ filter: SessionFilter) async throws -> [SessionOverview] {
        var query = DynamicQuery("SELECT * FROM checkout_sessions WHERE true")
        if let status = filter.status { query.append(" AND status = \(query.bind(status.rawValue))") }
        if let mg = filter.mgOCID { query.append(" AND mg_ocid = \(query.bind(mg.stored))") }
        if let merchant = filter.merchantOCID { query.append(" AND merchant_ocid = \(query.bind(merchant.stored))") }
        if let since = filter.since { query.append(" AND created_at >= \(query.bind(since.millis))") }
        if let until = filter.until { query.append(" AND created_at < \(query.bind(until.millis))") }
        if let text = filter.text {
            // The ids the text names, each found by one index lookup (the primary key, the order id's index, the
            // proof's txid), then their rows by primary key: with an OR of the three, the planner walked every
            // session in the listing's order.
            let value = query.bind(text)
            query.append("""
                 AND id IN (SELECT id FROM checkout_sessions WHERE id = \(value) UNION ALL
                    SELECT id FROM checkout_sessions WHERE order_id = \(value) UNION ALL
                    SELECT session_id FROM transfer_proofs WHERE txid = \(value))
                """)
        }
        // Ids in byte order, as every backend sorts them: the `(created_at, id COLLATE "C")` index serves both the
        // order and the page's start.
        if let after = filter.after {
            let (at, id) = (query.bind(after.createdAt.millis), query.bind(after.id))
            query.append(" AND (created_at, id COLLATE \"C\") < (\(at), \(id))")
        }
        query.append(" ORDER BY created_at DESC, id COLLATE \"C\" DESC")
        if let limit = filter.limit { query.append(" LIMIT \(query.bind(Int64(limit)))") }
        return try await database.run(query.query).map(Self.overview)
    }

    func overview(id: String) async throws -> SessionOverview? {
        try await database.run("SELECT * FROM checkout_sessions WHERE id = \(id)").first.map(Self.overview)
    }

    static func record(_ row: PostgresRow) throws -> CheckoutSessionRecord {
        let r = row.makeRandomAccess()
        return CheckoutSessionRecord(
            id: try r.get("id"), mgOCID: try r.ocid("mg_ocid"), merchantOCID: try r.ocid("merchant_ocid"),
            orderID: try r.get("order_id"), orderJSON: try r.get("order_json"),
            orderSignature: try r.get("order_signature"), requestDigest: try r.get("request_digest"),
            amount: try r.get("amount"), currency: try r.get("currency"), successURL: try r.get("success_url"),
            cancelURL: try r.get("cancel_url"), status: try r.get("status"), createdAt: try r.date("created_at"),
            expiresAt: try r.get("expires_at"), merchantName: try r.get("merchant_name"))
    }

    private static func overview(_ row: PostgresRow) throws -> SessionOverview {
        let r = row.makeRandomAccess()
        return SessionOverview(
            session: try record(row), merchantName: try r.get("merchant_name"),
            chargeReference: try r.get("charge_reference"), statusChangedAt: try r.optionalDate("status_changed_at"))
    }
}

/// `session(id:)`'s statement (`PreparedShape`).
private enum SessionByID: PreparedShape {
    static let text = PreparedText()
}
