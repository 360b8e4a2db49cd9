import Foundation
import GatewayStore
import PostgresNIO

extension PostgresSessionStore {
    /// The conditional UPDATE is the claim: only the caller whose UPDATE moves `pending → processing` stores the
    /// charge and its job (claimed for `holder` when it runs the kind), in the same transaction.
    func claim(sessionID: String, for charge: ChargeRecord, job: NewJob, heldBy holder: JobHolder?, now: Date)
        async throws -> (claim: SessionClaim, held: ClaimedJob?)
    {
        let queue = self.queue
        if let holder,
            let held = try await claimAtOnce(sessionID: sessionID, for: charge, job: job, heldBy: holder, now: now)
        {
            return held
        }
        let result = try await database.transaction { tx -> (claim: SessionClaim, held: ClaimedJob?, queued: Bool) in
            let moved = try await tx.run("""
                UPDATE checkout_sessions SET status = 'processing', charge_reference = \(charge.reference),
                    status_changed_at = \(now.millis)
                WHERE id = \(sessionID) AND status = 'pending' AND expires_at > \(Int64(now.timeIntervalSince1970))
                RETURNING mg_ocid
                """)
            if let row = moved.first {
                // The job is about the session's MG.
                let job = job.about(mg: try row.makeRandomAccess().ocid("mg_ocid"))
                try await tx.run("""
                    INSERT INTO payment_charges (reference, session_id, backend, state, settles_at, created_at, processor_id)
                    VALUES (\(charge.reference), \(charge.sessionID), \(charge.backend), \(charge.state.rawValue),
                        \(charge.settlesAt), \(charge.createdAt.millis), \(charge.processorID))
                    """)
                guard let holder else {
                    _ = try await queue.insert(job, in: tx)
                    return (.claimed, nil, true)
                }
                let (held, inserted) = try await queue.insert(job, claimedFor: holder, in: tx)
                return (.claimed, held, inserted && held == nil)
            }
            guard let row = try await tx.run("SELECT * FROM checkout_sessions WHERE id = \(sessionID)").first else {
                return (.unknown, nil, false)
            }
            return (.notPayable(try Self.record(row)), nil, false)
        }
        // A job held by its holder is no worker's to wake for.
        if result.queued { queue.notifier.jobsEnqueued() }
        return (result.claim, result.held)
    }

    /// The claim of a pay request that runs the job itself, in one statement without a transaction around it:
    /// the session's move, the charge and the job claimed for `holder`, the latter two only if the move took.
    /// - Returns: nil, having written nothing, when the job is not `holder`'s to claim now; `(.claimed, job)` when
    ///   the session moved; otherwise what the session is, read after the statement.
    private func claimAtOnce(
        sessionID: String, for charge: ChargeRecord, job: NewJob, heldBy holder: JobHolder, now: Date
    ) async throws -> (claim: SessionClaim, held: ClaimedJob?)? {
        let claimedAt = queue.time.now()
        guard queue.claims(job, for: holder, now: claimedAt) else { return nil }
        var query = DynamicQuery("")
        query.append("""
            WITH moved AS (
                UPDATE checkout_sessions SET status = 'processing', charge_reference = \(query.bind(charge.reference)),
                    status_changed_at = \(query.bind(now.millis))
                WHERE id = \(query.bind(sessionID)) AND status = 'pending'
                    AND expires_at > \(query.bind(Int64(now.timeIntervalSince1970)))
                RETURNING *
            ), charge AS (
                INSERT INTO payment_charges (reference, session_id, backend, state, settles_at, created_at, processor_id)
                SELECT \(query.bind(charge.reference)), \(query.bind(charge.sessionID)), \(query.bind(charge.backend)),
                    \(query.bind(charge.state.rawValue)), \(query.bind(charge.settlesAt))::bigint,
                    \(query.bind(charge.createdAt.millis)), \(query.bind(charge.processorID))::text
                FROM moved
            ), held AS (
            """)
        queue.appendInsert(
            job, claimedFor: holder, now: claimedAt, only: "EXISTS (SELECT 1 FROM moved)",
            mgOCID: "(SELECT mg_ocid FROM moved)", to: &query)
        query.append(") SELECT moved.*, (SELECT id FROM held) AS job_id FROM moved")
        guard let row = try await database.run(query, as: ChargeClaimStatement.self).first else {
            guard let row = try await database.run("SELECT * FROM checkout_sessions WHERE id = \(sessionID)").first else {
                return (.unknown, nil)
            }
            return (.notPayable(try Self.record(row)), nil)
        }
        let session = try Self.record(row)
        guard let id = try row.get("job_id", as: Int64?.self) else { return (.claimed, nil) }
        let held = PostgresJobQueue.claimed(job.about(mg: session.mgOCID), id: id, for: holder, at: claimedAt)
        // The holder issues the proof next, from the session as this statement left it.
        claimedSessions.keep(session, key: session.id, for: held)
        return (.claimed, held)
    }

    func charge(reference: String) async throws -> ChargeRecord? {
        try await database.run("SELECT * FROM payment_charges WHERE reference = \(reference)").first
            .map(Self.chargeRecord)
    }

    func charges(sessionID: String) async throws -> [ChargeRecord] {
        try await database.run("""
            SELECT * FROM payment_charges WHERE session_id = \(sessionID) ORDER BY created_at, reference
            """).map(Self.chargeRecord)
    }

    func confirm(chargeReference reference: String, sessionID: String, proofJob: NewJob) async throws
        -> ChargeConfirmation
    {
        let queue = self.queue
        let confirmation = try await database.transaction { tx -> ChargeConfirmation in
            try await tx.run("""
                UPDATE payment_charges SET state = 'succeeded' WHERE reference = \(reference) AND session_id = \(sessionID)
                """)
            // The proof is about the session's MG, which the job's caller (a poll that knows only the session id)
            // does not name.
            let session = try await tx.run("SELECT * FROM checkout_sessions WHERE id = \(sessionID)").first
                .map(Self.record)
            let job = try await queue.insert(session.map { proofJob.about(mg: $0.mgOCID) } ?? proofJob, in: tx)
            return ChargeConfirmation(session: session, proofJob: job)
        }
        if confirmation.proofJob.inserted { queue.notifier.jobsEnqueued() }
        return confirmation
    }

    func fail(chargeReference reference: String, sessionID: String, now: Date) async throws -> CheckoutSessionRecord? {
        try await database.transaction { tx in
            try await tx.run("""
                UPDATE payment_charges SET state = 'failed' WHERE reference = \(reference) AND session_id = \(sessionID)
                """)
            try await tx.run("""
                UPDATE checkout_sessions SET status = 'pending', charge_reference = NULL, status_changed_at = \(now.millis)
                WHERE id = \(sessionID) AND status = 'processing' AND charge_reference = \(reference)
                """)
            return try await tx.run("SELECT * FROM checkout_sessions WHERE id = \(sessionID)").first.map(Self.record)
        }
    }

    /// The first id recorded stays: the UPDATE only fills an empty one, and returns what the row holds either way.
    func recordProcessorID(_ processorID: String, forCharge reference: String) async throws -> String? {
        // Two statements: the second sees an id a racing call committed while the UPDATE waited for the row.
        var rows = try await database.run("""
            UPDATE payment_charges SET processor_id = \(processorID)
            WHERE reference = \(reference) AND processor_id IS NULL
            RETURNING processor_id
            """)
        if rows.isEmpty {
            rows = try await database.run("SELECT processor_id FROM payment_charges WHERE reference = \(reference)")
        }
        return try rows.first?.get("processor_id", as: String?.self)
    }

    private static func chargeRecord(_ row: PostgresRow) throws -> ChargeRecord {
        let r = row.makeRandomAccess()
        return ChargeRecord(
            reference: try r.get("reference"), sessionID: try r.get("session_id"), backend: try r.get("backend"),
            state: ChargeRecord.State(rawValue: try r.get("state")) ?? .failed, settlesAt: try r.get("settles_at"),
            createdAt: try r.date("created_at"), processorID: try r.get("processor_id"))
    }
}

/// A pay request's claim (`claimAtOnce`), prepared (`PreparedShape`).
private enum ChargeClaimStatement: PreparedShape {
    static let text = PreparedText()
}
