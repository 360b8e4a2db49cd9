import Foundation
import GatewayStore
import PostgresNIO

/// Transfer proofs, the MG ledger, deliveries and the per-MG breakers. One proof per session and per txid, one
/// ledger entry per txid: the unique keys decide a race between hosts, and the session's completion (a conditional
/// UPDATE that a second issuer waits on, then finds done) keeps the losing issuer from even trying.
final class PostgresProofStore: ProofStore, DeliveryStore {
    let database: PostgresDatabase
    let queue: PostgresJobQueue
    private let handedOver = HandedOverProofs()
    /// Sessions a held charge claim moved, kept for the `proof.issue` job it claimed.
    private let claimedSessions: HandedOver<CheckoutSessionRecord>

    init(database: PostgresDatabase, queue: PostgresJobQueue, claimedSessions: HandedOver<CheckoutSessionRecord>) {
        self.database = database
        self.queue = queue
        self.claimedSessions = claimedSessions
    }

    func issue(
        sessionID: String, now: Date,
        build: @escaping @Sendable (CheckoutSessionRecord) throws -> StoredProof,
        deliveryJob: @escaping @Sendable (String) -> NewJob, ending job: ClaimedJob?
    ) async throws -> (issue: ProofIssue, held: Bool?, delivery: ClaimedJob?) {
        // Signing (in `build`) happens before the transaction, so no row lock is held while it runs. A pay request
        // issuing the proof of the charge it just claimed has the session from that claim.
        var session = job.flatMap { claimedSessions.take(key: sessionID, for: $0) }
        if session == nil {
            session = try await database.run("SELECT * FROM checkout_sessions WHERE id = \(sessionID)").first
                .map(PostgresSessionStore.record)
        }
        guard let session else { return (.unknownSession, nil, nil) }
        let prebuilt = session.status == SessionStatus.completed.rawValue ? nil : try build(session)
        if let prebuilt, let job,
            let outcome = try await issueAtOnce(prebuilt, deliveryJob: deliveryJob, ending: job, now: now)
        {
            return outcome
        }
        let queue = self.queue
        let (outcome, enqueued) = try await database.transaction {
            tx -> ((issue: ProofIssue, held: Bool?, delivery: ClaimedJob?), Bool) in
            let (issue, delivery, enqueued) = try await Self.issue(
                prebuilt, build: build, sessionID: sessionID, now: now, deliveryJob: deliveryJob, by: job,
                queue: queue, in: tx)
            guard let job, issue != .unknownSession else { return ((issue, nil, nil), enqueued) }
            let held = try await JobSuccess(job: job, note: issue.note).record(at: now, in: tx)
            return ((issue, held, delivery), enqueued)
        }
        if enqueued { queue.notifier.jobsEnqueued() }
        if case .issued(let proof, _) = outcome.issue, let delivery = outcome.delivery {
            handedOver.keep(proof, for: delivery)
        }
        return outcome
    }

    /// The common case in one statement, without a transaction around it: the session's completion, the proof and
    /// its ledger entry, the delivery claimed for the same holder, and the end of `job`'s attempt (its note judged
    /// on `late` as the UPDATE finds it). Everything after the completion happens only if the completion did.
    /// - Returns: nil, having written nothing, when the session was completed already (or is gone), or the delivery
    ///   is not the holder's to claim: `issue`'s transaction then sorts that out.
    private func issueAtOnce(
        _ proof: StoredProof, deliveryJob: (String) -> NewJob, ending job: ClaimedJob, now: Date
    ) async throws -> (issue: ProofIssue, held: Bool?, delivery: ClaimedJob?)? {
        let delivery = deliveryJob(proof.txid).about(mg: proof.mgOCID)
        guard queue.claims(delivery, for: job.holder, now: now) else { return nil }
        var query = DynamicQuery("")
        query.append("""
            WITH completed AS (
                UPDATE checkout_sessions SET status = 'completed',
                    late = (status = 'expired' OR expires_at <= \(query.bind(Int64(now.timeIntervalSince1970)))),
                    status_changed_at = \(query.bind(now.millis))
                WHERE id = \(query.bind(proof.sessionID)) AND status != 'completed'
                RETURNING late
            ), proof AS (
                INSERT INTO transfer_proofs (txid, session_id, mg_ocid, proof_json, signature, amount, currency,
                    issued_at, delivery_state)
                SELECT \(query.bind(proof.txid)), \(query.bind(proof.sessionID)), \(query.bind(proof.mgOCID.stored)),
                    \(query.bind(proof.proofJSON)), \(query.bind(proof.signature)), \(query.bind(proof.amount)),
                    \(query.bind(proof.currency)), \(query.bind(proof.issuedAt.millis)),
                    \(query.bind(proof.deliveryState.rawValue))
                FROM completed
                RETURNING txid, mg_ocid, currency, amount, issued_at
            ), ledger AS (
                INSERT INTO ledger_entries (txid, mg_ocid, currency, amount, created_at)
                SELECT txid, mg_ocid, currency, amount, issued_at FROM proof
            ), delivery AS (
            """)
        queue.appendInsert(delivery, claimedFor: job.holder, now: now, only: "EXISTS (SELECT 1 FROM proof)", to: &query)
        query.append("), ")
        let notes = (
            query.bind(ProofIssue.issued(proof, late: false).note), query.bind(ProofIssue.issued(proof, late: true).note)
        )
        PostgresJobQueue.appendFinish(
            [JobFinish(job, .succeeded(note: nil))], now: now, only: "EXISTS (SELECT 1 FROM completed)",
            note: "CASE WHEN (SELECT late FROM completed) THEN \(notes.1) ELSE \(notes.0) END", to: &query)
        query.append("""
             SELECT (SELECT late FROM completed) AS late, (SELECT id FROM delivery) AS delivery_id,
                EXISTS (SELECT 1 FROM ended) AS held
            """)
        guard let row = try await database.run(query, as: IssueStatement.self).first,
            let late = try row.get("late", as: Bool?.self)
        else {
            return nil
        }
        let claimed = try row.get("delivery_id", as: Int64?.self).map {
            PostgresJobQueue.claimed(delivery, id: $0, for: job.holder, at: now)
        }
        if let claimed { handedOver.keep(proof, for: claimed) }
        return (.issued(proof, late: late), try row.get("held", as: Bool.self), claimed)
    }

    private static func issue(
        _ prebuilt: StoredProof?, build: (CheckoutSessionRecord) throws -> StoredProof, sessionID: String, now: Date,
        deliveryJob: (String) -> NewJob, by job: ClaimedJob?, queue: PostgresJobQueue, in tx: Transaction
    ) async throws -> (ProofIssue, delivery: ClaimedJob?, enqueued: Bool) {
        // Completing the session is the check that it exists and has no proof yet; `late` is judged on the row as
        // this UPDATE finds it (SET reads the old values).
        let completed = try await tx.run("""
            UPDATE checkout_sessions SET status = 'completed',
                late = (status = 'expired' OR expires_at <= \(Int64(now.timeIntervalSince1970))),
                status_changed_at = \(now.millis)
            WHERE id = \(sessionID) AND status != 'completed'
            RETURNING late
            """)
        guard let late = try completed.first?.get("late", as: Bool.self) else {
            guard let existing = try await fetchProof(sessionID: sessionID, in: tx) else {
                return (.unknownSession, nil, false)
            }
            var enqueued = false
            if existing.deliveryState == .pending {
                enqueued = try await queue.insert(deliveryJob(existing.txid).about(mg: existing.mgOCID), in: tx).inserted
            }
            return (.existing(existing), nil, enqueued)
        }
        let proof: StoredProof
        if let prebuilt {
            proof = prebuilt
        } else {
            guard let row = try await tx.run("SELECT * FROM checkout_sessions WHERE id = \(sessionID)").first else {
                throw StoreError.inconsistent("session \(sessionID) vanished while its proof was issued")
            }
            proof = try build(try PostgresSessionStore.record(row))
        }
        // The proof and its ledger entry in one statement: one round trip, one snapshot.
        try await tx.run("""
            WITH proof AS (
                INSERT INTO transfer_proofs (txid, session_id, mg_ocid, proof_json, signature, amount, currency,
                    issued_at, delivery_state)
                VALUES (\(proof.txid), \(proof.sessionID), \(proof.mgOCID.stored), \(proof.proofJSON),
                    \(proof.signature), \(proof.amount), \(proof.currency), \(proof.issuedAt.millis),
                    \(proof.deliveryState.rawValue))
                RETURNING txid, mg_ocid, currency, amount, issued_at
            )
            INSERT INTO ledger_entries (txid, mg_ocid, currency, amount, created_at)
            SELECT txid, mg_ocid, currency, amount, issued_at FROM proof
            """)
        // The delivery is about the proof's MG, which `deliveryJob` (given only the txid) cannot name.
        let delivery = deliveryJob(proof.txid).about(mg: proof.mgOCID)
        guard let job else {
            let enqueued = try await queue.insert(delivery, in: tx).inserted
            return (.issued(proof, late: late), nil, enqueued)
        }
        let (claimed, inserted) = try await queue.insert(delivery, after: job, in: tx)
        return (.issued(proof, late: late), claimed, inserted && claimed == nil)
    }

    func proofToDeliver(txid: String, for job: ClaimedJob) async throws -> StoredProof? {
        if let proof = handedOver.take(txid: txid, for: job) { return proof }
        return try await proof(txid: txid)
    }

    func proof(txid: String) async throws -> StoredProof? {
        try await database.run("SELECT * FROM transfer_proofs WHERE txid = \(txid)").first.map(Self.proof)
    }

    func proof(sessionID: String) async throws -> StoredProof? {
        try await database.run("SELECT * FROM transfer_proofs WHERE session_id = \(sessionID)").first.map(Self.proof)
    }

    private static func fetchProof(sessionID: String, in tx: Transaction) async throws -> StoredProof? {
        try await tx.run("SELECT * FROM transfer_proofs WHERE session_id = \(sessionID)").first.map(proof)
    }

    func ledgerEntries(mgOCID: UInt64) async throws -> [LedgerEntry] {
        try await database.run("""
            SELECT * FROM ledger_entries WHERE mg_ocid = \(mgOCID.stored) ORDER BY created_at, txid
            """).map(Self.ledgerEntry)
    }

    func ledgerEntry(txid: String) async throws -> LedgerEntry? {
        try await database.run("SELECT * FROM ledger_entries WHERE txid = \(txid)").first.map(Self.ledgerEntry)
    }

    func isLate(sessionID: String) async throws -> Bool {
        try await database.run("SELECT late FROM checkout_sessions WHERE id = \(sessionID)").first?
            .get("late", as: Bool.self) ?? false
    }

    @discardableResult
    func recordDelivery(
        of proof: StoredProof, state: DeliveryState, at time: Date, mgAnswered: Bool, ending success: JobSuccess?
    ) async throws -> Bool? {
        // One statement, without a transaction around it: the proof's state, the breaker's reset and the attempt's
        // end commit together.
        var query = DynamicQuery("")
        query.append("""
            WITH proof AS (
                UPDATE transfer_proofs SET delivery_state = \(query.bind(state.rawValue)),
                    delivered_at = \(query.bind(state == .accepted ? time.millis : nil))::bigint
                WHERE txid = \(query.bind(proof.txid))
            )
            """)
        // The breaker's reset is in the text only when the MG answered, rather than behind a bound flag: with a flag
        // PostgreSQL found a plan for each run's value cheaper than the generic one and planned every run anew
        // (0.19 ms of its CPU a delivery, `pg_stat_statements.track_planning`).
        if mgAnswered {
            query.append("""
                , breaker AS (
                    UPDATE delivery_breakers SET consecutive_failures = 0, open_until = NULL,
                        updated_at = \(query.bind(time.millis))
                    WHERE mg_ocid = \(query.bind(proof.mgOCID.stored)) AND (consecutive_failures > 0 OR open_until IS NOT NULL)
                )
                """)
        }
        guard let success else {
            query.append(" SELECT 1")
            if mgAnswered {
                try await database.run(query, as: AnsweredDeliveryRecord.self)
            } else {
                try await database.run(query, as: DeliveryRecord.self)
            }
            return nil
        }
        query.append(", ")
        PostgresJobQueue.appendFinish([success.finish], now: time, to: &query)
        query.append(" SELECT EXISTS (SELECT 1 FROM ended) AS held")
        let rows = try await mgAnswered
            ? database.run(query, as: AnsweredDeliveryFinish.self) : database.run(query, as: DeliveryFinish.self)
        return try rows.first?.get("held", as: Bool.self)
    }

    static func proof(_ row: PostgresRow) throws -> StoredProof {
        let r = row.makeRandomAccess()
        return StoredProof(
            txid: try r.get("txid"), sessionID: try r.get("session_id"), mgOCID: try r.ocid("mg_ocid"),
            proofJSON: try r.get("proof_json"), signature: try r.get("signature"), amount: try r.get("amount"),
            currency: try r.get("currency"), issuedAt: try r.date("issued_at"),
            deliveryState: DeliveryState(rawValue: try r.get("delivery_state")) ?? .pending,
            deliveredAt: try r.optionalDate("delivered_at"))
    }

    static func ledgerEntry(_ row: PostgresRow) throws -> LedgerEntry {
        let r = row.makeRandomAccess()
        return LedgerEntry(
            txid: try r.get("txid"), mgOCID: try r.ocid("mg_ocid"), currency: try r.get("currency"),
            amount: try r.get("amount"), createdAt: try r.date("created_at"), statementID: try r.get("statement_id"))
    }
}

/// The prepared statements of a payment's proof (`PreparedShape`): its issue, and its delivery's record without and
/// with the attempt's end, each with the breaker's reset (the MG answered) and without.
private enum IssueStatement: PreparedShape {
    static let text = PreparedText()
}

private enum DeliveryRecord: PreparedShape {
    static let text = PreparedText()
}

private enum AnsweredDeliveryRecord: PreparedShape {
    static let text = PreparedText()
}

private enum DeliveryFinish: PreparedShape {
    static let text = PreparedText()
}

private enum AnsweredDeliveryFinish: PreparedShape {
    static let text = PreparedText()
}
