import Foundation
import GRDB
import GatewayStore

/// Checkout session rows. Creation goes through a group commit: concurrent checkouts share one
/// `BEGIN IMMEDIATE` transaction and one fsync, so durability FULL does not cap throughput at the disk's
/// fsync rate; every caller resumes only after the transaction holding its row has committed.
final class SQLiteSessionStore: CheckoutSessionStore, ChargeStore {
    let database: SQLiteDatabase
    let queue: SQLiteJobQueue
    private let nonces: SQLiteNonceStore
    private let committer: GroupCommitter<PendingSession, SessionCreation>

    struct PendingSession: Sendable {
        let record: CheckoutSessionRecord
        let nonce: NonceClaim?
        let job: NewJob?
    }

    init(database: SQLiteDatabase, queue: SQLiteJobQueue, nonces: SQLiteNonceStore, maxBatch: Int = 512) {
        self.database = database
        self.queue = queue
        self.nonces = nonces
        committer = GroupCommitter(database: database, maxBatch: maxBatch) { batch, db in
            // Read once for the batch, in the transaction that would store its sessions: `setDraining` is a write,
            // so it is ordered before or after this one, never beside it (`BEGIN IMMEDIATE`).
            if try SQLiteJobQueue.isDraining(in: db) { return batch.map { _ in .draining } }
            return try batch.map { try Self.insert($0, queue: queue, nonces: nonces, in: db) }
        }
    }

    func create(_ record: CheckoutSessionRecord, nonce: NonceClaim?, job: NewJob?) async throws -> SessionCreation {
        do {
            let creation = try await committer.submit(PendingSession(record: record, nonce: nonce, job: job))
            // A nonce claimed for a session that was not created stays claimed: the request used it.
            return creation
        } catch {
            // The transaction that recorded the nonce rolled back: this process accepts the nonce again.
            if let nonce { nonces.forget(nonce.nonce, ocid: nonce.ocid) }
            throw error
        }
    }

    /// Commits whatever is waiting and stops taking new work (graceful shutdown).
    func close() async { await committer.close() }

    func session(id: String) async throws -> CheckoutSessionRecord? {
        try await database.readSingleStatement { db in
            try Self.fetch(id, in: db)
        }
    }

    func session(mgOCID: UInt64, orderID: String, merchantOCID: UInt64?) async throws -> CheckoutSessionRecord? {
        var arguments: StatementArguments = [Int64(bitPattern: mgOCID), orderID]
        if let merchantOCID { arguments += [Int64(bitPattern: merchantOCID)] }
        let (query, values) = (Self.byOrderID(withMerchant: merchantOCID != nil), arguments)
        return try await database.read { db in
            try Row.decodeFirst(db.cachedStatement(sql: query), arguments: values, as: Self.record)
        }
    }

    /// A caller's newest session of an order id (arguments: MG, order id, and the merchant when `withMerchant`).
    /// `+created_at` keeps SQLite from sorting through `checkout_sessions_mg_created`, which would walk the MG's
    /// sessions newest first until one had the order id; the idempotency key finds the order's few rows instead.
    static func byOrderID(withMerchant: Bool) -> String {
        "SELECT * FROM checkout_sessions WHERE mg_ocid = ? AND order_id = ?" + (withMerchant ? " AND merchant_ocid = ?" : "")
            + " ORDER BY +created_at DESC, id DESC LIMIT 1"
    }

    /// The number of session rows (for tests and stats).
    func count() async throws -> Int {
        try await database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM checkout_sessions") ?? 0 }
    }

    private static func insert(
        _ pending: PendingSession, queue: SQLiteJobQueue, nonces: SQLiteNonceStore, in db: Database
    ) throws -> SessionCreation {
        if let claim = pending.nonce {
            do {
                try nonces.record(claim.nonce, ocid: claim.ocid, in: db)
            } catch let error as NonceError {
                return .nonceReused(error)
            }
        }
        let r = pending.record
        let insert = try db.cachedStatement(sql: """
            INSERT INTO checkout_sessions (id, mg_ocid, merchant_ocid, order_id, order_json, order_signature,
                request_digest, amount, currency, success_url, cancel_url, status, created_at, expires_at, merchant_name)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(mg_ocid, merchant_ocid, order_id) DO NOTHING
            """)
        try insert.execute(arguments: [
            r.id, Int64(bitPattern: r.mgOCID), Int64(bitPattern: r.merchantOCID), r.orderID, r.orderJSON,
            r.orderSignature, r.requestDigest, r.amount, r.currency, r.successURL, r.cancelURL, r.status,
            r.createdAt.millis, r.expiresAt, r.merchantName,
        ])
        if db.changesCount == 1 {
            if let job = pending.job { _ = try queue.enqueue(job.about(mg: r.mgOCID), in: db) }
            return .created(r)
        }
        let existing = try Row.fetchOne(
            db.cachedStatement(sql: """
                SELECT * FROM checkout_sessions WHERE mg_ocid = ? AND merchant_ocid = ? AND order_id = ?
                """),
            arguments: [Int64(bitPattern: r.mgOCID), Int64(bitPattern: r.merchantOCID), r.orderID]
        ).map(record)
        guard let existing else { throw StoreError.inconsistent("no checkout session holds the key of order \(r.orderID)") }
        return existing.requestDigest == r.requestDigest ? .existing(existing) : .conflict(existingSessionID: existing.id)
    }

    /// The session with this id, read in the caller's transaction.
    static func fetch(_ id: String, in db: Database) throws -> CheckoutSessionRecord? {
        try Row.decodeFirst(db.cachedStatement(sql: "SELECT * FROM checkout_sessions WHERE id = ?"), arguments: [id], as: record)
    }

    static func record(_ row: Row) -> CheckoutSessionRecord {
        CheckoutSessionRecord(
            id: row["id"], mgOCID: UInt64(bitPattern: row["mg_ocid"]), merchantOCID: UInt64(bitPattern: row["merchant_ocid"]),
            orderID: row["order_id"], orderJSON: row["order_json"], orderSignature: row["order_signature"],
            requestDigest: row["request_digest"], amount: row["amount"], currency: row["currency"],
            successURL: row["success_url"], cancelURL: row["cancel_url"], status: row["status"],
            createdAt: Date(millis: row["created_at"]), expiresAt: row["expires_at"], merchantName: row["merchant_name"])
    }
}
