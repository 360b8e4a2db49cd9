import Foundation
import GatewayStore
import PostgresNIO

/// Settlement statements over the MG ledger. A statement's transaction locks the group's open entries
/// (`FOR UPDATE`), stores the statement (`ON CONFLICT` on its period key finds a racing run's), and claims the
/// entries by `UPDATE … SET statement_id … WHERE statement_id IS NULL RETURNING`: never a time or id watermark,
/// because ids and timestamps do not follow commit order across hosts. A run that waited on another's locks
/// re-checks `statement_id IS NULL` on the committed rows and takes only what is still open.
final class PostgresSettlementStore: SettlementStore {
    let database: PostgresDatabase
    let queue: PostgresJobQueue

    init(database: PostgresDatabase, queue: PostgresJobQueue) {
        self.database = database
        self.queue = queue
    }

    func groups(_ scope: SettlementScope) async throws -> [SettlementGroup] {
        try await database.transaction { tx in try await Self.groups(scope, currency: nil, lock: false, in: tx) }
    }

    func settle(
        mgOCID: UInt64, currency: String, scope: SettlementScope, now: Date,
        build: @escaping @Sendable (SettlementGroup) throws -> StoredStatement,
        notifyJob: @escaping @Sendable (String) -> NewJob?,
        beforeCommit: @escaping @Sendable () -> Void
    ) async throws -> StatementOutcome {
        let queue = self.queue
        let outcome = try await database.transaction { tx -> StatementOutcome in
            if let existing = try await Self.statement(mg: mgOCID, currency: currency, periodEnd: scope.cutOff, in: tx) {
                return .existing(existing)
            }
            var single = scope
            single.mgOCID = mgOCID
            guard let group = try await Self.groups(single, currency: currency, lock: true, in: tx).first,
                !group.entries.isEmpty
            else {
                // A racing run for this period may have taken the entries while this one waited for their locks:
                // its statement committed, and this statement (a new snapshot) sees it.
                if let existing = try await Self.statement(
                    mg: mgOCID, currency: currency, periodEnd: scope.cutOff, in: tx)
                {
                    return .existing(existing)
                }
                return .nothingToSettle
            }
            var statement = try build(group)
            let job = notifyJob(statement.id)?.about(mg: statement.mgOCID)
            statement.notifyState = job == nil ? nil : .pending
            let inserted = try await tx.run("""
                INSERT INTO settlement_statements (id, mg_ocid, currency, period_start, period_end, entry_count, total,
                    statement_json, signature, created_at, notify_state)
                VALUES (\(statement.id), \(statement.mgOCID.stored), \(statement.currency),
                    \(statement.periodStart?.millis)::bigint, \(statement.periodEnd.millis),
                    \(Int64(statement.entryCount)), \(statement.total), \(statement.statementJSON), \(statement.signature),
                    \(statement.createdAt.millis), \(statement.notifyState?.rawValue)::text)
                ON CONFLICT ON CONSTRAINT settlement_statements_period_key DO NOTHING
                RETURNING id
                """)
            guard !inserted.isEmpty else {
                // A racing run committed this period's statement while this one waited on its key.
                guard let existing = try await Self.statement(
                    mg: mgOCID, currency: currency, periodEnd: scope.cutOff, in: tx)
                else { throw StoreError.inconsistent("no statement holds the period key it conflicted on") }
                return .existing(existing)
            }
            let txids = group.entries.map(\.txid)
            let claimed = try await tx.run("""
                WITH claimed AS (
                    UPDATE ledger_entries SET statement_id = \(statement.id)
                    WHERE txid = ANY(\(txids)) AND statement_id IS NULL
                    RETURNING txid
                )
                INSERT INTO statement_entries (txid, statement_id) SELECT txid, \(statement.id) FROM claimed
                RETURNING txid
                """)
            // The entries were locked by this transaction, so all of them are still open; anything else means the
            // rows disagree with their own constraints, and the whole statement rolls back.
            guard claimed.count == txids.count else {
                let taken = Set(try claimed.map { try $0.get("txid", as: String.self) })
                throw SettlementStoreError.entryAlreadySettled(txids.first { !taken.contains($0) } ?? "")
            }
            if let job { _ = try await queue.insert(job, in: tx) }
            beforeCommit()
            return .created(statement)
        }
        if case .created(let statement) = outcome, statement.notifyState != nil { queue.notifier.jobsEnqueued() }
        return outcome
    }

    func statement(id: String) async throws -> StoredStatement? {
        try await database.run("SELECT * FROM settlement_statements WHERE id = \(id)").first.map(Self.statement)
    }

    func statements(cutOff: Date?, mgOCID: UInt64?) async throws -> [StoredStatement] {
        var query = DynamicQuery("SELECT * FROM settlement_statements WHERE true")
        if let cutOff { query.append(" AND period_end = \(query.bind(cutOff.millis))") }
        if let mgOCID { query.append(" AND mg_ocid = \(query.bind(mgOCID.stored))") }
        query.append(" ORDER BY period_end, mg_ocid < 0, mg_ocid, currency")
        return try await database.run(query.query).map(Self.statement)
    }

    func statementsMissingFiles() async throws -> [StoredStatement] {
        try await database.run("SELECT * FROM settlement_statements WHERE files_written_at IS NULL ORDER BY id")
            .map(Self.statement)
    }

    func entries(statementID: String) async throws -> [LedgerEntry] {
        try await database.run("""
            SELECT l.* FROM statement_entries s JOIN ledger_entries l ON l.txid = s.txid
            WHERE s.statement_id = \(statementID) ORDER BY l.created_at, l.txid
            """).map(PostgresProofStore.ledgerEntry)
    }

    func markFilesWritten(statementID: String, at time: Date) async throws {
        try await database.run("""
            UPDATE settlement_statements SET files_written_at = \(time.millis) WHERE id = \(statementID)
            """)
    }

    func recordNotify(statementID: String, state: DeliveryState) async throws {
        try await database.run("""
            UPDATE settlement_statements SET notify_state = \(state.rawValue) WHERE id = \(statementID)
            """)
    }

    func ledgerWithDeliveries(from: Date?, to: Date?) async throws -> [DeliveredLedgerEntry] {
        try await database.run("""
            SELECT l.*, p.delivery_state, p.session_id
            FROM ledger_entries l JOIN transfer_proofs p ON p.txid = l.txid
            WHERE l.created_at >= \(from?.millis ?? Int64.min) AND l.created_at < \(to?.millis ?? Int64.max)
            ORDER BY l.mg_ocid < 0, l.mg_ocid, l.currency, l.created_at, l.txid
            """).map { row in
            DeliveredLedgerEntry(
                ledger: try PostgresProofStore.ledgerEntry(row), sessionID: try row.get("session_id"),
                deliveryState: DeliveryState(rawValue: try row.get("delivery_state")) ?? .pending)
        }
    }

    /// Summed as double precision: for metrics gauges only; exact figures come from the TEXT amounts.
    func totals() async throws -> [SettlementTotals] {
        let rows = try await database.run("""
            WITH settled AS (
                SELECT mg_ocid, currency, count(*) AS n, sum(total::double precision) AS amount
                FROM settlement_statements GROUP BY mg_ocid, currency
            ), open AS (
                SELECT mg_ocid, currency, count(*) AS n, sum(amount::double precision) AS amount
                FROM ledger_entries WHERE statement_id IS NULL GROUP BY mg_ocid, currency
            )
            SELECT mg_ocid, currency, COALESCE(s.n, 0) AS statements, COALESCE(s.amount, 0) AS settled,
                   COALESCE(o.n, 0) AS open_entries, COALESCE(o.amount, 0) AS open_amount
            FROM settled s FULL JOIN open o USING (mg_ocid, currency)
            """)
        let totals = try rows.map { row in
            let r = row.makeRandomAccess()
            return SettlementTotals(
                mgOCID: try r.ocid("mg_ocid"), currency: try r.get("currency"),
                statements: Int(try r.get("statements", as: Int64.self)), settledAmount: try r.get("settled"),
                unsettledEntries: Int(try r.get("open_entries", as: Int64.self)), unsettledAmount: try r.get("open_amount"))
        }
        return totals.sorted { ($0.mgOCID, $0.currency) < ($1.mgOCID, $1.currency) }
    }

    /// The open entries of `scope`, grouped by MG and currency; `lock` takes their row locks (a statement's
    /// transaction), so a racing run waits and then finds them taken.
    private static func groups(_ scope: SettlementScope, currency: String?, lock: Bool, in tx: Transaction)
        async throws -> [SettlementGroup]
    {
        var query = DynamicQuery("""
            SELECT l.*, p.delivery_state FROM ledger_entries l JOIN transfer_proofs p ON p.txid = l.txid
            WHERE l.statement_id IS NULL
            """)
        query.append(" AND l.created_at < \(query.bind(scope.cutOff.millis))")
        if let mg = scope.mgOCID { query.append(" AND l.mg_ocid = \(query.bind(mg.stored))") }
        if let currency { query.append(" AND l.currency = \(query.bind(currency))") }
        query.append(" ORDER BY l.mg_ocid < 0, l.mg_ocid, l.currency, l.created_at, l.txid")
        if lock { query.append(" FOR UPDATE OF l") }
        var groups: [SettlementGroup] = []
        for row in try await tx.run(query.query) {
            let entry = try PostgresProofStore.ledgerEntry(row)
            let state = DeliveryState(rawValue: try row.get("delivery_state")) ?? .pending
            if SettlementGroup.isStarted(by: entry, after: groups.last) {
                let previousEnd = try await tx.run("""
                    SELECT max(period_end) AS period_end FROM settlement_statements
                    WHERE mg_ocid = \(entry.mgOCID.stored) AND currency = \(entry.currency)
                    """).first?.get("period_end", as: Int64?.self)
                groups.append(SettlementGroup(startedBy: entry, periodStart: previousEnd.map { Date(millis: $0) }))
            }
            groups[groups.count - 1].file(entry, state: state, scope: scope)
        }
        return groups
    }

    private static func statement(mg: UInt64, currency: String, periodEnd: Date, in tx: Transaction) async throws
        -> StoredStatement?
    {
        try await tx.run("""
            SELECT * FROM settlement_statements
            WHERE mg_ocid = \(mg.stored) AND currency = \(currency) AND period_end = \(periodEnd.millis)
            """).first.map(statement)
    }

    private static func statement(_ row: PostgresRow) throws -> StoredStatement {
        let r = row.makeRandomAccess()
        return StoredStatement(
            id: try r.get("id"), mgOCID: try r.ocid("mg_ocid"), currency: try r.get("currency"),
            periodStart: try r.optionalDate("period_start"), periodEnd: try r.date("period_end"),
            entryCount: Int(try r.get("entry_count", as: Int64.self)), total: try r.get("total"),
            statementJSON: try r.get("statement_json"), signature: try r.get("signature"),
            createdAt: try r.date("created_at"), filesWrittenAt: try r.optionalDate("files_written_at"),
            notifyState: try r.get("notify_state", as: String?.self).flatMap(DeliveryState.init(rawValue:)))
    }
}
