import Foundation
import GRDB
import GatewayStore

// Each transition is one conditional UPDATE: the `WHERE status = 'pending'` is the claim, so of any number of
// concurrent callers (threads or processes) exactly one sees a changed row.
extension SQLiteSessionStore {
    /// Claims a pending, unexpired session for `charge`: in one transaction the session becomes `processing`
    /// with the charge's reference, the charge row is stored, and `job` is enqueued (claimed for `holder` when it
    /// runs the kind). Only the first caller wins.
    func claim(sessionID: String, for charge: ChargeRecord, job: NewJob, heldBy holder: JobHolder?, now: Date)
        async throws -> (claim: SessionClaim, held: ClaimedJob?)
    {
        let queue = self.queue
        return try await database.write { db in
            // Whether the update took is the whole answer: the single writer reads and decodes no session row for
            // a payment, only for a refused one. It returns the session's MG, which the job is about.
            let claimed = try Int64.fetchOne(db.cachedStatement(sql: """
                    UPDATE checkout_sessions SET status = 'processing', charge_reference = ?, status_changed_at = ?
                    WHERE id = ? AND status = 'pending' AND expires_at > ?
                    RETURNING mg_ocid
                    """), arguments: [charge.reference, now.millis, sessionID, Int64(now.timeIntervalSince1970)])
            if let mg = claimed {
                let job = job.about(mg: UInt64(bitPattern: mg))
                try Self.insert(charge, in: db)
                guard let holder else {
                    _ = try queue.enqueue(job, in: db)
                    return (.claimed, nil)
                }
                return (.claimed, try queue.enqueue(job, claimedFor: holder, in: db))
            }
            guard let session = try Self.fetch(sessionID, in: db) else { return (.unknown, nil) }
            return (.notPayable(session), nil)
        }
    }

    /// Cancels a pending, unexpired session. Cancelling twice is fine: the second call reports it cancelled.
    func cancel(sessionID: String, now: Date) async throws -> SessionCancellation {
        try await database.write { db in
            try db.cachedStatement(sql: """
                    UPDATE checkout_sessions SET status = 'cancelled', status_changed_at = ?
                    WHERE id = ? AND status = 'pending' AND expires_at > ?
                    """).execute(arguments: [now.millis, sessionID, Int64(now.timeIntervalSince1970)])
            guard let session = try Self.fetch(sessionID, in: db) else { return .unknown }
            return session.status == SessionStatus.cancelled.rawValue ? .cancelled(session) : .notCancellable(session)
        }
    }

    /// The charge with this reference.
    func charge(reference: String) async throws -> ChargeRecord? {
        try await database.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM payment_charges WHERE reference = ?"), arguments: [reference])
                .map(Self.chargeRecord)
        }
    }

    /// Every charge started for a session, oldest first.
    func charges(sessionID: String) async throws -> [ChargeRecord] {
        try await database.read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM payment_charges WHERE session_id = ? ORDER BY created_at, reference"), arguments: [sessionID]
            ).map(Self.chargeRecord)
        }
    }

    /// Records the id the processor gave the charge `reference`. The first id recorded stays: an idempotent
    /// start answered twice cannot re-point a charge. Returns the id the charge now has, nil for no such charge.
    func recordProcessorID(_ processorID: String, forCharge reference: String) async throws -> String? {
        try await database.write { db in
            try db.cachedStatement(sql: "UPDATE payment_charges SET processor_id = ? WHERE reference = ? AND processor_id IS NULL").execute(arguments: [processorID, reference])
            return try String.fetchOne(db.cachedStatement(sql: "SELECT processor_id FROM payment_charges WHERE reference = ?"), arguments: [reference])
        }
    }

    private static func insert(_ charge: ChargeRecord, in db: Database) throws {
        try db.cachedStatement(sql: """
                INSERT INTO payment_charges (reference, session_id, backend, state, settles_at, created_at, processor_id)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [
                charge.reference, charge.sessionID, charge.backend, charge.state.rawValue, charge.settlesAt,
                charge.createdAt.millis, charge.processorID,
            ])
    }

    private static func chargeRecord(_ row: Row) -> ChargeRecord {
        ChargeRecord(
            reference: row["reference"], sessionID: row["session_id"], backend: row["backend"],
            state: ChargeRecord.State(rawValue: row["state"]) ?? .failed, settlesAt: row["settles_at"],
            createdAt: Date(millis: row["created_at"]), processorID: row["processor_id"])
    }
}
