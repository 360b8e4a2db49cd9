import Foundation
import GatewayStore
import PostgresNIO

/// Checkout sessions and their charges. Each lifecycle transition is one conditional UPDATE: of concurrent callers
/// on any host, the one whose UPDATE finds the row in the expected state moves it; the others wait for its row
/// lock, re-check the condition on the committed row (READ COMMITTED) and change nothing.
final class PostgresSessionStore: CheckoutSessionStore, ChargeStore {
    let database: PostgresDatabase
    let queue: PostgresJobQueue
    let nonces: PostgresNonceStore

    init(database: PostgresDatabase, queue: PostgresJobQueue, nonces: PostgresNonceStore) {
        self.database = database
        self.queue = queue
        self.nonces = nonces
    }

    /// The nonce, the session (`ON CONFLICT` on the idempotency key) and its first job, if any, in one transaction. A nonce
    /// refused rolls back nothing it did not write; a session that already exists keeps the nonce claimed (the
    /// request used it), as on every backend.
    func create(_ record: CheckoutSessionRecord, nonce: NonceClaim?, job: NewJob?) async throws -> SessionCreation {
        let queue = self.queue
        let nonces = self.nonces
        let creation: SessionCreation
        do {
            creation = try await database.transaction { tx -> SessionCreation in
                // First, before the nonce: a create refused for draining spends nothing.
                if try await PostgresJobQueue.isDraining(in: tx) { return .draining }
                if let nonce {
                    do {
                        try await nonces.record(nonce.nonce, ocid: nonce.ocid, in: tx)
                    } catch let error as NonceError {
                        return .nonceReused(error)
                    }
                }
                let r = record
                let inserted = try await tx.run("""
                    INSERT INTO checkout_sessions (id, mg_ocid, merchant_ocid, order_id, order_json, order_signature,
                        request_digest, amount, currency, success_url, cancel_url, status, created_at, expires_at,
                        merchant_name)
                    VALUES (\(r.id), \(r.mgOCID.stored), \(r.merchantOCID.stored), \(r.orderID), \(r.orderJSON),
                        \(r.orderSignature), \(r.requestDigest), \(r.amount), \(r.currency), \(r.successURL),
                        \(r.cancelURL), \(r.status), \(r.createdAt.millis), \(r.expiresAt), \(r.merchantName))
                    ON CONFLICT ON CONSTRAINT checkout_sessions_order_key DO NOTHING
                    RETURNING id
                    """)
                if !inserted.isEmpty {
                    if let job { _ = try await queue.insert(job, in: tx) }
                    return .created(r)
                }
                // The key's holder committed (ON CONFLICT waited for it), so this statement sees it.
                guard let row = try await tx.run("""
                    SELECT * FROM checkout_sessions
                    WHERE mg_ocid = \(r.mgOCID.stored) AND merchant_ocid = \(r.merchantOCID.stored) AND order_id = \(r.orderID)
                    """).first
                else { throw StoreError.inconsistent("no checkout session holds the key of order \(r.orderID)") }
                let existing = try Self.record(row)
                return existing.requestDigest == r.requestDigest
                    ? .existing(existing) : .conflict(existingSessionID: existing.id)
            }
        } catch {
            // The transaction that recorded the nonce rolled back: this process accepts the nonce again.
            if let nonce { nonces.forget(nonce.nonce, ocid: nonce.ocid) }
            throw error
        }
        if case .created = creation, job != nil { queue.notifier.jobsEnqueued() }
        return creation
    }

    func session(id: String) async throws -> CheckoutSessionRecord? {
        try await database.run("SELECT * FROM checkout_sessions WHERE id = \(id)").first.map(Self.record)
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
        Int(try await database.run("SELECT count(*) AS n FROM checkout_sessions").first?.get("n", as: Int64.self) ?? 0)
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
        try await database.run("""
            UPDATE checkout_sessions SET status = 'expired', status_changed_at = \(now.millis)
            WHERE status = 'pending' AND expires_at <= \(Int64(now.timeIntervalSince1970.rounded(.down)))
            RETURNING id
            """).count
    }

    func list(_ filter: SessionFilter) async throws -> [SessionOverview] {
        var query = DynamicQuery("SELECT * FROM checkout_sessions WHERE true")
        if let status = filter.status { query.append(" AND status = \(query.bind(status.rawValue))") }
        if let mg = filter.mgOCID { query.append(" AND mg_ocid = \(query.bind(mg.stored))") }
        if let merchant = filter.merchantOCID { query.append(" AND merchant_ocid = \(query.bind(merchant.stored))") }
        if let since = filter.since { query.append(" AND created_at >= \(query.bind(since.millis))") }
        if let until = filter.until { query.append(" AND created_at < \(query.bind(until.millis))") }
        query.append(" ORDER BY created_at DESC, id")
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
