import Foundation
import GRDB
import GatewayStore

/// Settlement statements over the MG ledger. Every statement is written in one transaction with its entries'
/// membership, so a crash leaves the whole statement or nothing, and the unique keys of `v10-settlement` keep a
/// re-run or a racing run from settling anything twice.
///
/// MG OCIDs are UInt64 kept as their Int64 bit pattern, so every ordering by MG sorts on `mg_ocid < 0` first: OCIDs
/// above Int64.max come after the rest, in order.
final class SQLiteSettlementStore: SettlementStore {
    let database: SQLiteDatabase
    let queue: SQLiteJobQueue

    init(database: SQLiteDatabase, queue: SQLiteJobQueue) {
        self.database = database
        self.queue = queue
    }

    /// The groups a run with this scope would settle now, with what it would hold back; for `--dry-run` and for
    /// choosing what to settle. Nothing is written.
    func groups(_ scope: SettlementScope) async throws -> [SettlementGroup] {
        try await database.read { db in try Self.groups(scope, in: db) }
    }

    /// Settles one MG's entries in one currency up to the scope's cut-off, in one transaction that reads the
    /// entries again (a racing run may have taken them), lets `build` make the signed statement, stores it, marks
    /// the entries and enqueues `notifyJob` when there is one.
    /// - Parameters:
    ///   - build: makes the statement of a group; runs inside the write transaction, so keep it to computation.
    ///   - notifyJob: the `settle.notify` job of a statement id, or nil when this MG gets no deliveries.
    ///   - beforeCommit: runs after every write, before the commit (the crash tests stop the process there).
    func settle(
        mgOCID: UInt64, currency: String, scope: SettlementScope, now: Date,
        build: @escaping @Sendable (SettlementGroup) throws -> StoredStatement,
        notifyJob: @escaping @Sendable (String) -> NewJob?,
        beforeCommit: @escaping @Sendable () -> Void
    ) async throws -> StatementOutcome {
        let queue = self.queue
        return try await database.write { db in
            if let existing = try Self.fetchStatement(
                db, sql: "mg_ocid = ? AND currency = ? AND period_end = ?",
                arguments: [Int64(bitPattern: mgOCID), currency, scope.cutOff.millis])
            {
                return .existing(existing)
            }
            var single = scope
            single.mgOCID = mgOCID
            guard let group = try Self.groups(single, currency: currency, in: db).first, !group.entries.isEmpty
            else { return .nothingToSettle }
            var statement = try build(group)
            let job = notifyJob(statement.id)?.about(mg: statement.mgOCID)
            statement.notifyState = job == nil ? nil : .pending
            try Self.insert(statement, entries: group.entries, in: db)
            if let job { _ = try queue.enqueue(job, in: db) }
            beforeCommit()
            return .created(statement)
        }
    }

    /// The statement with this id.
    func statement(id: String) async throws -> StoredStatement? {
        try await database.read { db in try Self.fetchStatement(db, sql: "id = ?", arguments: [id]) }
    }

    /// Statements, oldest cut-off first, optionally only those of one cut-off or one MG.
    func statements(cutOff: Date?, mgOCID: UInt64?) async throws -> [StoredStatement] {
        try await database.read { db in
            var conditions = ["1"]
            var arguments: StatementArguments = []
            if let cutOff {
                conditions.append("period_end = ?")
                arguments += [cutOff.millis]
            }
            if let mgOCID {
                conditions.append("mg_ocid = ?")
                arguments += [Int64(bitPattern: mgOCID)]
            }
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM settlement_statements WHERE \(conditions.joined(separator: " AND "))
                    ORDER BY period_end, mg_ocid < 0, mg_ocid, currency
                    """,
                arguments: arguments
            ).map(Self.statement)
        }
    }

    /// Statements whose files a run did not get to write (it died after its commit).
    func statementsMissingFiles() async throws -> [StoredStatement] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM settlement_statements WHERE files_written_at IS NULL ORDER BY id")
                .map(Self.statement)
        }
    }

    /// The ledger entries a statement took, oldest first.
    func entries(statementID: String) async throws -> [LedgerEntry] {
        try await database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT l.* FROM statement_entries s JOIN ledger_entries l ON l.txid = s.txid
                    WHERE s.statement_id = ? ORDER BY l.created_at, l.txid
                    """,
                arguments: [statementID]
            ).map(SQLiteProofStore.ledgerEntry)
        }
    }

    /// Records that a statement's files are in place.
    func markFilesWritten(statementID: String, at time: Date) async throws {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE settlement_statements SET files_written_at = ? WHERE id = ?",
                arguments: [time.millis, statementID])
        }
    }

    /// Records how the MG answered a statement delivery.
    func recordNotify(statementID: String, state: DeliveryState) async throws {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE settlement_statements SET notify_state = ? WHERE id = ?",
                arguments: [state.rawValue, statementID])
        }
    }

    /// - Parameter currency: only this currency (one statement's transaction reads only its own entries).
    private static func groups(_ scope: SettlementScope, currency: String? = nil, in db: Database) throws
        -> [SettlementGroup]
    {
        var sql = """
            SELECT l.*, p.delivery_state FROM ledger_entries l JOIN transfer_proofs p ON p.txid = l.txid
            WHERE l.statement_id IS NULL AND l.created_at < ?
            """
        var arguments: StatementArguments = [scope.cutOff.millis]
        if let mg = scope.mgOCID {
            sql += " AND l.mg_ocid = ?"
            arguments += [Int64(bitPattern: mg)]
        }
        if let currency {
            sql += " AND l.currency = ?"
            arguments += [currency]
        }
        sql += " ORDER BY l.mg_ocid < 0, l.mg_ocid, l.currency, l.created_at, l.txid"
        var groups: [SettlementGroup] = []
        for row in try Row.fetchAll(db, sql: sql, arguments: arguments) {
            let entry = SQLiteProofStore.ledgerEntry(row)
            let state = DeliveryState(rawValue: row["delivery_state"]) ?? .pending
            if SettlementGroup.isStarted(by: entry, after: groups.last) {
                let previousEnd = try Int64.fetchOne(
                    db, sql: "SELECT MAX(period_end) FROM settlement_statements WHERE mg_ocid = ? AND currency = ?",
                    arguments: [Int64(bitPattern: entry.mgOCID), entry.currency])
                groups.append(SettlementGroup(startedBy: entry, periodStart: previousEnd.map { Date(millis: $0) }))
            }
            groups[groups.count - 1].file(entry, state: state, scope: scope)
        }
        return groups
    }

    private static func insert(_ statement: StoredStatement, entries: [LedgerEntry], in db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO settlement_statements (id, mg_ocid, currency, period_start, period_end, entry_count, total,
                    statement_json, signature, created_at, notify_state)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                statement.id, Int64(bitPattern: statement.mgOCID), statement.currency, statement.periodStart?.millis,
                statement.periodEnd.millis, statement.entryCount, statement.total, statement.statementJSON,
                statement.signature, statement.createdAt.millis, statement.notifyState?.rawValue,
            ])
        let member = try db.cachedStatement(sql: "INSERT INTO statement_entries (txid, statement_id) VALUES (?, ?)")
        let mark = try db.cachedStatement(
            sql: "UPDATE ledger_entries SET statement_id = ? WHERE txid = ? AND statement_id IS NULL")
        for entry in entries {
            try member.execute(arguments: [entry.txid, statement.id])
            try mark.execute(arguments: [statement.id, entry.txid])
            // The primary key above already refuses an entry in two statements; this refuses a ledger row that
            // disagrees with it, rolling the whole statement back.
            guard db.changesCount == 1 else { throw SettlementStoreError.entryAlreadySettled(entry.txid) }
        }
    }

    private static func fetchStatement(_ db: Database, sql condition: String, arguments: StatementArguments) throws
        -> StoredStatement?
    {
        try Row.fetchOne(db, sql: "SELECT * FROM settlement_statements WHERE \(condition)", arguments: arguments)
            .map(statement)
    }

    private static func statement(_ row: Row) -> StoredStatement {
        StoredStatement(
            id: row["id"], mgOCID: UInt64(bitPattern: row["mg_ocid"]), currency: row["currency"],
            periodStart: (row["period_start"] as Int64?).map { Date(millis: $0) }, periodEnd: Date(millis: row["period_end"]),
            entryCount: row["entry_count"], total: row["total"], statementJSON: row["statement_json"],
            signature: row["signature"], createdAt: Date(millis: row["created_at"]),
            filesWrittenAt: (row["files_written_at"] as Int64?).map { Date(millis: $0) },
            notifyState: (row["notify_state"] as String?).flatMap(DeliveryState.init(rawValue:)))
    }
}

extension SQLiteSettlementStore {
    /// The totals of every MG and currency with a statement or an unsettled entry.
    func totals() async throws -> [SettlementTotals] {
        try await database.read { db in
            var totals: [String: SettlementTotals] = [:]
            func slot(_ row: Row) -> String {
                let key = "\(row["mg_ocid"] as Int64) \(row["currency"] as String)"
                if totals[key] == nil {
                    totals[key] = SettlementTotals(
                        mgOCID: UInt64(bitPattern: row["mg_ocid"]), currency: row["currency"], statements: 0,
                        settledAmount: 0, unsettledEntries: 0, unsettledAmount: 0)
                }
                return key
            }
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT mg_ocid, currency, count(*) AS n, total(CAST(total AS REAL)) AS amount
                    FROM settlement_statements GROUP BY mg_ocid, currency
                    """)
            {
                let key = slot(row)
                totals[key]?.statements = row["n"]
                totals[key]?.settledAmount = row["amount"]
            }
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT mg_ocid, currency, count(*) AS n, total(CAST(amount AS REAL)) AS amount
                    FROM ledger_entries WHERE statement_id IS NULL GROUP BY mg_ocid, currency
                    """)
            {
                let key = slot(row)
                totals[key]?.unsettledEntries = row["n"]
                totals[key]?.unsettledAmount = row["amount"]
            }
            return totals.values.sorted { ($0.mgOCID, $0.currency) < ($1.mgOCID, $1.currency) }
        }
    }
}

extension SQLiteSettlementStore {
    func ledgerWithDeliveries(from: Date?, to: Date?) async throws -> [DeliveredLedgerEntry] {
        try await database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT l.*, p.delivery_state, p.session_id
                    FROM ledger_entries l JOIN transfer_proofs p ON p.txid = l.txid
                    WHERE l.created_at >= ? AND l.created_at < ?
                    ORDER BY l.mg_ocid < 0, l.mg_ocid, l.currency, l.created_at, l.txid
                    """,
                arguments: [from?.millis ?? Int64.min, to?.millis ?? Int64.max]
            ).map { row in
                DeliveredLedgerEntry(
                    ledger: SQLiteProofStore.ledgerEntry(row), sessionID: row["session_id"],
                    deliveryState: DeliveryState(rawValue: row["delivery_state"]) ?? .pending)
            }
        }
    }
}
