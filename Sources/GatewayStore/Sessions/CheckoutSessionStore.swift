import Foundation
import GRDB

/// Checkout session rows. Creation goes through a group commit: concurrent checkouts share one
/// `BEGIN IMMEDIATE` transaction and one fsync, so durability FULL does not cap throughput at the disk's
/// fsync rate; every caller resumes only after the transaction holding its row has committed.
public final class CheckoutSessionStore: Sendable {
    let database: GatewayDatabase
    let queue: SQLiteJobQueue
    private let committer: GroupCommitter<PendingSession, SessionCreation>

    /// Runs first in the session's transaction; throwing refuses this session alone.
    public typealias Precondition = @Sendable (Database) throws -> Void

    struct PendingSession: Sendable {
        let record: CheckoutSessionRecord
        let job: NewJob
        let precondition: Precondition
    }

    public init(database: GatewayDatabase, queue: SQLiteJobQueue, maxBatch: Int = 512) {
        self.database = database
        self.queue = queue
        let queue = queue
        committer = GroupCommitter(database: database, maxBatch: maxBatch) { pending, db in
            try Self.insert(pending, queue: queue, in: db)
        }
    }

    /// Stores a session and enqueues `job` in the same transaction, or reports the existing session for the
    /// same `(mg, merchant, order id)`: identical when the digest matches, a conflict otherwise.
    /// - Parameter precondition: runs first inside the transaction (the acceptor records the request's nonce
    ///   there, so nonce and session share one commit); if it throws, this session is `.refused`.
    public func create(
        _ record: CheckoutSessionRecord, job: NewJob, precondition: @escaping Precondition = { _ in }
    ) async throws -> SessionCreation {
        try await committer.submit(PendingSession(record: record, job: job, precondition: precondition))
    }

    /// Commits whatever is waiting and stops taking new work (graceful shutdown).
    public func close() async { await committer.close() }

    public func session(id: String) async throws -> CheckoutSessionRecord? {
        try await database.readSingleStatement { db in
            try Self.fetch(id, in: db)
        }
    }

    /// The number of session rows (for tests and stats).
    public func count() async throws -> Int {
        try await database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM checkout_sessions") ?? 0 }
    }

    private static func insert(_ pending: PendingSession, queue: SQLiteJobQueue, in db: Database) throws -> SessionCreation {
        do {
            try pending.precondition(db)
        } catch {
            return .refused(error)
        }
        let r = pending.record
        let insert = try db.cachedStatement(sql: """
            INSERT INTO checkout_sessions (id, mg_ocid, merchant_ocid, order_id, order_json, order_signature,
                request_digest, amount, currency, success_url, cancel_url, status, created_at, expires_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(mg_ocid, merchant_ocid, order_id) DO NOTHING
            """)
        try insert.execute(arguments: [
            r.id, Int64(bitPattern: r.mgOCID), Int64(bitPattern: r.merchantOCID), r.orderID, r.orderJSON,
            r.orderSignature, r.requestDigest, r.amount, r.currency, r.successURL, r.cancelURL, r.status,
            r.createdAt.millis, r.expiresAt,
        ])
        if db.changesCount == 1 {
            _ = try queue.enqueue(pending.job, in: db)
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
            createdAt: Date(millis: row["created_at"]), expiresAt: row["expires_at"])
    }
}
