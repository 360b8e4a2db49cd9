import Foundation
import GRDB
import GatewayStore

/// Transfer proofs, the MG ledger, deliveries and their per-MG breakers.
final class SQLiteProofStore: ProofStore, DeliveryStore {
    let database: SQLiteDatabase
    let queue: SQLiteJobQueue
    private let handedOver = HandedOverProofs()

    init(database: SQLiteDatabase, queue: SQLiteJobQueue) {
        self.database = database
        self.queue = queue
    }

    /// Issues the proof of a paid session in one transaction (save before send): `build` makes the signed proof
    /// from the session as stored, then the proof, its ledger entry, the session's completion and `deliveryJob`
    /// commit together. A session that already has a proof gets no second one: its delivery job is enqueued
    /// again if it was still pending (the job's unique key makes that a no-op when it exists).
    /// - Parameters:
    ///   - build: makes the proof, before the write transaction: signing is the costliest step of issuing, and
    ///     inside the transaction the single writer would wait for it. What a proof takes from its session
    ///     (parties, order id, amount, currency) never changes once the session exists. A session read as
    ///     completed already has its proof, so a re-run builds nothing; should one complete between that read
    ///     and the transaction, the proof built for it is dropped unseen.
    ///   - deliveryJob: the delivery job for a txid.
    ///   - job: the `proof.issue` attempt, ended as succeeded (with `ProofIssue.note`) in the same transaction
    ///     when a proof is issued or found. A new proof's delivery job is then claimed for `job`'s worker
    ///     (`SQLiteJobQueue.enqueue(_:after:in:)`), to be run next in the same slot.
    /// - Returns: what happened; whether `job`'s lease was held when its success was recorded (nil when it
    ///   was not: no job given, or no session); and the delivery job claimed for `job`'s worker, if one was.
    func issue(
        sessionID: String, now: Date,
        build: @escaping @Sendable (CheckoutSessionRecord) throws -> StoredProof,
        deliveryJob: @escaping @Sendable (String) -> NewJob, ending job: ClaimedJob?
    ) async throws -> (issue: ProofIssue, held: Bool?, delivery: ClaimedJob?) {
        guard let session = try await database.readSingleStatement({ db in try SQLiteSessionStore.fetch(sessionID, in: db) }) else {
            return (.unknownSession, nil, nil)
        }
        let proof = session.status == SessionStatus.completed.rawValue ? nil : try build(session)
        let queue = self.queue
        let outcome = try await database.write { db in
            let (issue, delivery) = try Self.issue(
                proof, build: build, sessionID: sessionID, now: now, deliveryJob: deliveryJob, by: job, queue: queue,
                in: db)
            guard let job, issue != .unknownSession else { return (issue, nil as Bool?, nil as ClaimedJob?) }
            return (issue, try JobSuccess(job: job, note: issue.note).record(at: now, in: db), delivery)
        }
        if case .issued(let proof, _) = outcome.0, let delivery = outcome.2 {
            handedOver.keep(proof, for: delivery)
        }
        return outcome
    }

    /// The proof `job` delivers: the one `issue` handed over when it claimed `job` for its worker, or else the
    /// stored one. Nothing but a proof's own delivery job, which that claim holds, changes its row after the issue.
    func proofToDeliver(txid: String, for job: ClaimedJob) async throws -> StoredProof? {
        if let proof = handedOver.take(txid: txid, for: job) { return proof }
        return try await proof(txid: txid)
    }

    /// `prebuilt` is the proof `build` made before the transaction, if it did.
    private static func issue(
        _ prebuilt: StoredProof?, build: (CheckoutSessionRecord) throws -> StoredProof, sessionID: String, now: Date,
        deliveryJob: (String) -> NewJob, by job: ClaimedJob?, queue: SQLiteJobQueue, in db: Database
    ) throws -> (ProofIssue, delivery: ClaimedJob?) {
        // Completing the session is also the check that it exists and has no proof yet (a session is completed
        // only here, with its proof), so the common case reads nothing. `late` is judged on the status as of this
        // transaction: the session may have expired since it was read.
        let completion = try db.cachedStatement(sql: """
            UPDATE checkout_sessions SET status = 'completed', late = (status = 'expired' OR expires_at <= ?),
                status_changed_at = ?
            WHERE id = ? AND status != 'completed'
            RETURNING late
            """)
        guard let late = try Bool.fetchOne(completion, arguments: [Int64(now.timeIntervalSince1970), now.millis, sessionID]) else {
            guard let existing = try fetchProof(sql: "session_id = ?", sessionID, in: db) else { return (.unknownSession, nil) }
            if existing.deliveryState == .pending {
                _ = try queue.enqueue(deliveryJob(existing.txid).about(mg: existing.mgOCID), in: db)
            }
            return (.existing(existing), nil)
        }
        guard let proof = try prebuilt ?? SQLiteSessionStore.fetch(sessionID, in: db).map(build) else {
            throw StoreError.inconsistent("session \(sessionID) vanished while its proof was issued")
        }
        try insert(proof, in: db)
        // The delivery is about the proof's MG, which `deliveryJob` (given only the txid) cannot name.
        let delivery = deliveryJob(proof.txid).about(mg: proof.mgOCID)
        guard let job else {
            _ = try queue.enqueue(delivery, in: db)
            return (.issued(proof, late: late), nil)
        }
        return (.issued(proof, late: late), try queue.enqueue(delivery, after: job, in: db))
    }

    /// The proof with this txid.
    func proof(txid: String) async throws -> StoredProof? {
        try await database.readSingleStatement { db in try Self.fetchProof(sql: "txid = ?", txid, in: db) }
    }

    /// The proof of a session.
    func proof(sessionID: String) async throws -> StoredProof? {
        try await database.readSingleStatement { db in try Self.fetchProof(sql: "session_id = ?", sessionID, in: db) }
    }

    /// The ledger entries payable to one MG, oldest first.
    func ledgerEntries(mgOCID: UInt64) async throws -> [LedgerEntry] {
        try await database.read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM ledger_entries WHERE mg_ocid = ? ORDER BY created_at, txid"), arguments: [Int64(bitPattern: mgOCID)]
            ).map(Self.ledgerEntry)
        }
    }

    /// The ledger entry of a proof.
    func ledgerEntry(txid: String) async throws -> LedgerEntry? {
        try await database.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM ledger_entries WHERE txid = ?"), arguments: [txid]).map(Self.ledgerEntry)
        }
    }

    /// Whether the session was completed by a payment confirmed after it had expired.
    func isLate(sessionID: String) async throws -> Bool {
        try await database.read { db in
            try Bool.fetchOne(db.cachedStatement(sql: "SELECT late FROM checkout_sessions WHERE id = ?"), arguments: [sessionID]) ?? false
        }
    }

    /// Records the MG's definitive answer to a delivery. An answer shows the MG is up, so its breaker closes in
    /// the same transaction.
    /// - Parameters:
    ///   - mgAnswered: false when the gateway itself gave up (the schedule ran out): the MG did not answer, so
    ///     its breaker stays as it is.
    ///   - success: the delivery attempt's success, recorded in the same transaction.
    /// - Returns: whether `success`'s job still held its lease; nil without one.
    @discardableResult
    func recordDelivery(
        of proof: StoredProof, state: DeliveryState, at time: Date, mgAnswered: Bool, ending success: JobSuccess?
    ) async throws -> Bool? {
        try await database.write { db in
            try db.cachedStatement(sql: "UPDATE transfer_proofs SET delivery_state = ?, delivered_at = ? WHERE txid = ?").execute(arguments: [state.rawValue, state == .accepted ? time.millis : nil, proof.txid])
            if mgAnswered {
                try db.cachedStatement(sql: """
                        UPDATE delivery_breakers SET consecutive_failures = 0, open_until = NULL, updated_at = ?
                        WHERE mg_ocid = ? AND (consecutive_failures > 0 OR open_until IS NOT NULL)
                        """).execute(arguments: [time.millis, Int64(bitPattern: proof.mgOCID)])
            }
            return try success?.record(at: time, in: db)
        }
    }

    private static func insert(_ proof: StoredProof, in db: Database) throws {
        let mg = Int64(bitPattern: proof.mgOCID)
        try db.cachedStatement(sql: """
                INSERT INTO transfer_proofs (txid, session_id, mg_ocid, proof_json, signature, amount, currency,
                    issued_at, delivery_state)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [
                proof.txid, proof.sessionID, mg, proof.proofJSON, proof.signature, proof.amount, proof.currency,
                proof.issuedAt.millis, proof.deliveryState.rawValue,
            ])
        try db.cachedStatement(sql: "INSERT INTO ledger_entries (txid, mg_ocid, currency, amount, created_at) VALUES (?, ?, ?, ?, ?)").execute(arguments: [proof.txid, mg, proof.currency, proof.amount, proof.issuedAt.millis])
    }

    private static func fetchProof(sql condition: String, _ value: String, in db: Database) throws -> StoredProof? {
        // Cached: `condition` is one of two fixed strings, so the cache stays bounded.
        try Row.decodeFirst(db.cachedStatement(sql: "SELECT * FROM transfer_proofs WHERE \(condition)"), arguments: [value]) { row in
            StoredProof(
                txid: row["txid"], sessionID: row["session_id"], mgOCID: UInt64(bitPattern: row["mg_ocid"]),
                proofJSON: row["proof_json"], signature: row["signature"], amount: row["amount"], currency: row["currency"],
                issuedAt: Date(millis: row["issued_at"]),
                deliveryState: DeliveryState(rawValue: row["delivery_state"]) ?? .pending,
                deliveredAt: (row["delivered_at"] as Int64?).map { Date(millis: $0) })
        }
    }

    static func ledgerEntry(_ row: Row) -> LedgerEntry {
        LedgerEntry(
            txid: row["txid"], mgOCID: UInt64(bitPattern: row["mg_ocid"]), currency: row["currency"], amount: row["amount"],
            createdAt: Date(millis: row["created_at"]), statementID: row["statement_id"])
    }
}
