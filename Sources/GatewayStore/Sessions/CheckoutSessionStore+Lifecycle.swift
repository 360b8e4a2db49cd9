import Foundation
import GRDB

/// A session as operators see it: the stored row plus what the lifecycle jobs added to it.
public struct SessionOverview: Sendable, Equatable {
    public var session: CheckoutSessionRecord
    /// The merchant's display name, once `session.open` resolved it.
    public var merchantName: String?
    /// The charge that holds (or last held) the session.
    public var chargeReference: String?
    /// When the status last moved; nil while it is the status the session was created with.
    public var statusChangedAt: Date?
}

/// Which sessions `ocgate sessions list` shows; every field left `nil` matches all.
public struct SessionFilter: Sendable, Equatable {
    public var status: SessionStatus?
    public var mgOCID: UInt64?
    public var merchantOCID: UInt64?
    /// Created at or after this instant.
    public var since: Date?
    /// Created before this instant.
    public var until: Date?
    /// At most this many sessions, newest first.
    public var limit: Int?

    public init(
        status: SessionStatus? = nil, mgOCID: UInt64? = nil, merchantOCID: UInt64? = nil, since: Date? = nil,
        until: Date? = nil, limit: Int? = nil
    ) {
        self.status = status
        self.mgOCID = mgOCID
        self.merchantOCID = merchantOCID
        self.since = since
        self.until = until
        self.limit = limit
    }
}

/// What recording a confirmed charge did.
public struct ChargeConfirmation: Sendable, Equatable {
    /// The session as it is after the confirmation (nil if it no longer exists).
    public var session: CheckoutSessionRecord?
    /// The proof job: new, or the one an earlier run already queued.
    public var proofJob: EnqueueResult
}

// The transitions the lifecycle jobs make, each one conditional statement so that a job run twice (a worker died
// after committing) or racing another process changes nothing the second time.
extension CheckoutSessionStore {
    /// Stores the merchant's display name unless one is stored already; false if the session was named before
    /// (or does not exist).
    public func name(sessionID: String, merchantName: String) async throws -> Bool {
        try await database.write { db in
            try db.cachedStatement(sql: "UPDATE checkout_sessions SET merchant_name = ? WHERE id = ? AND merchant_name IS NULL").execute(arguments: [merchantName, sessionID])
            return db.changesCount == 1
        }
    }

    /// The stored display name of the session's merchant, if `session.open` resolved it.
    public func merchantName(sessionID: String) async throws -> String? {
        try await database.read { db in
            try String.fetchOne(db.cachedStatement(sql: "SELECT merchant_name FROM checkout_sessions WHERE id = ?"), arguments: [sessionID])
        }
    }

    /// Records that the backend took the money for `reference` and enqueues `proofJob` in the same transaction.
    /// The session's status and expiry are not consulted: a late payment still gets its proof (money was taken).
    public func confirm(chargeReference reference: String, sessionID: String, proofJob: NewJob) async throws
        -> ChargeConfirmation
    {
        let queue = self.queue
        return try await database.write { db in
            try db.cachedStatement(sql: "UPDATE payment_charges SET state = 'succeeded' WHERE reference = ? AND session_id = ?").execute(arguments: [reference, sessionID])
            let job = try queue.enqueue(proofJob, in: db)
            return ChargeConfirmation(session: try Self.fetch(sessionID, in: db), proofJob: job)
        }
    }

    /// Records that the charge `reference` failed for good and, if it still holds its session, puts the session
    /// back to `pending` (spec §13 item 12: a failed attempt leaves the session payable until it expires).
    /// - Returns: the session as it is now, or nil if it does not exist.
    public func fail(chargeReference reference: String, sessionID: String, now: Date) async throws
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

    /// Marks every `pending` session whose expiry has passed `expired`, in one statement; sessions in
    /// `processing` are left alone because money may be moving. Returns how many sessions expired.
    public func expirePending(now: Date) async throws -> Int {
        try await database.write { db in
            try db.cachedStatement(sql: """
                    UPDATE checkout_sessions SET status = 'expired', status_changed_at = ?
                    WHERE status = 'pending' AND expires_at <= ?
                    """).execute(arguments: [now.millis, Int64(now.timeIntervalSince1970.rounded(.down))])
            return db.changesCount
        }
    }

    /// Sessions matching `filter`, newest first.
    public func list(_ filter: SessionFilter) async throws -> [SessionOverview] {
        var terms = ["1"]
        var arguments = StatementArguments()
        if let status = filter.status { terms.append("status = ?"); arguments += [status.rawValue] }
        if let mg = filter.mgOCID { terms.append("mg_ocid = ?"); arguments += [Int64(bitPattern: mg)] }
        if let merchant = filter.merchantOCID { terms.append("merchant_ocid = ?"); arguments += [Int64(bitPattern: merchant)] }
        if let since = filter.since { terms.append("created_at >= ?"); arguments += [since.millis] }
        if let until = filter.until { terms.append("created_at < ?"); arguments += [until.millis] }
        var sql = "SELECT * FROM checkout_sessions WHERE \(terms.joined(separator: " AND ")) ORDER BY created_at DESC, id"
        if let limit = filter.limit { sql += " LIMIT ?"; arguments += [limit] }
        let (query, values) = (sql, arguments)
        return try await database.read { db in
            try Row.fetchAll(db, sql: query, arguments: values).map(Self.overview)
        }
    }

    /// One session as operators see it, or nil.
    public func overview(id: String) async throws -> SessionOverview? {
        try await database.read { db in
            try Row.decodeFirst(db.cachedStatement(sql: "SELECT * FROM checkout_sessions WHERE id = ?"), arguments: [id], as: Self.overview)
        }
    }

    /// The jobs that belong to a session, oldest first, found by their unique keys: `session.open:<id>`,
    /// `proof.issue:<id>` and `payment.poll:<charge>` for each of its charges.
    public func jobs(sessionID: String) async throws -> [Job] {
        try await database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Job.columns) FROM jobs
                    WHERE unique_key IN (?, ?)
                       OR unique_key IN (SELECT 'payment.poll:' || reference FROM payment_charges WHERE session_id = ?)
                       OR unique_key IN (SELECT 'callback.deliver:' || txid FROM transfer_proofs WHERE session_id = ?)
                    ORDER BY id
                    """,
                arguments: ["session.open:\(sessionID)", "proof.issue:\(sessionID)", sessionID, sessionID]
            ).map(Job.init(row:))
        }
    }

    private static func overview(_ row: Row) -> SessionOverview {
        SessionOverview(
            session: record(row), merchantName: row["merchant_name"], chargeReference: row["charge_reference"],
            statusChangedAt: (row["status_changed_at"] as Int64?).map(Date.init(millis:)))
    }
}
