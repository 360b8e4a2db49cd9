import Foundation
import GRDB
import GatewayStore

/// The spool's every table for `ocgate store copy`, read from one snapshot of the database (a read transaction held
/// open until the snapshot goes away), so every batch and the census see the same commit whatever writes after it.
final class SQLiteSnapshot: StoreSnapshot {
    /// How a copy reads one table: in its key's order, a batch after the last key read (keyset, never OFFSET, so a
    /// large table costs one index walk). A table added to `SchemaMigrations` needs its rule here, or no snapshot
    /// opens (`tablesWithoutRule`). Parents come before the tables whose rows refer to them.
    struct CopyRule: Sendable {
        let table: String
        let key: [String]
    }

    static let rules: [CopyRule] = [
        CopyRule(table: "jobs", key: ["id"]),
        CopyRule(table: "job_attempts", key: ["id"]),
        CopyRule(table: "queue_flags", key: ["name"]),
        CopyRule(table: "checkout_sessions", key: ["id"]),
        CopyRule(table: "payment_charges", key: ["reference"]),
        CopyRule(table: "peer_metadata", key: ["ocid"]),
        CopyRule(table: "nonces", key: ["ocid", "nonce"]),
        CopyRule(table: "partners", key: ["ocid"]),
        CopyRule(table: "transfer_proofs", key: ["txid"]),
        CopyRule(table: "delivery_breakers", key: ["mg_ocid"]),
        CopyRule(table: "settlement_statements", key: ["id"]),
        CopyRule(table: "ledger_entries", key: ["txid"]),
        CopyRule(table: "statement_entries", key: ["txid"]),
        CopyRule(table: "audit_log", key: ["id"]),
    ]

    let location: String
    private let snapshot: DatabaseSnapshot

    var tables: [String] { Self.rules.map(\.table) }

    /// Takes the snapshot.
    /// - Throws: `StoreCopyError.tablesDiffer` if the schema has a table no rule copies.
    init(database: SQLiteDatabase) throws {
        location = database.path
        snapshot = try database.pool.makeSnapshot()
        let uncovered = try snapshot.read { db in try Self.tablesWithoutRule(db) }
        guard uncovered.isEmpty else { throw StoreCopyError.tablesDiffer(onlyInSource: uncovered, onlyInTarget: []) }
    }

    /// Every table of the schema but SQLite's and GRDB's own bookkeeping.
    static func dataTables(_ db: Database) throws -> [String] {
        try String.fetchAll(
            db,
            sql: """
                SELECT name FROM sqlite_master
                WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'grdb_migrations' ORDER BY name
                """)
    }

    /// Tables of the schema that no copy rule reads.
    static func tablesWithoutRule(_ db: Database) throws -> [String] {
        let covered = Set(rules.map(\.table))
        return try dataTables(db).filter { !covered.contains($0) }
    }

    func batches(of table: String, size: Int) -> AsyncThrowingStream<TableRows, any Error> {
        guard let rule = Self.rules.first(where: { $0.table == table }) else {
            return AsyncThrowingStream { $0.finish(throwing: StoreCopyError.tablesDiffer(onlyInSource: [], onlyInTarget: [table])) }
        }
        let reader = TableReader(snapshot: snapshot, rule: rule, size: max(1, size))
        return AsyncThrowingStream(unfolding: { try await reader.next() })
    }

    func census() async throws -> StoreCensus {
        try await snapshot.read { db in
            var rows: [String: Int64] = [:]
            for table in try Self.dataTables(db) {
                rows[table] = try Int64.fetchOne(db, sql: "SELECT count(*) FROM \(table.quotedDatabaseIdentifier)") ?? 0
            }
            struct Group: Hashable { let mg: Int64; let currency: String }
            var totals: [Group: (entries: Int64, total: ExactDecimal)] = [:]
            let entries = try Row.fetchCursor(db, sql: "SELECT mg_ocid, currency, amount, txid FROM ledger_entries")
            while let entry = try entries.next() {
                let amount: String = entry["amount"]
                guard let value = ExactDecimal(amount) else {
                    let txid: String = entry["txid"]
                    throw StoreError.inconsistent("ledger entry \(txid) has the amount \(amount), not a decimal number")
                }
                let group = Group(mg: entry["mg_ocid"], currency: entry["currency"])
                let sum = totals[group] ?? (0, .zero)
                totals[group] = (sum.entries + 1, sum.total + value)
            }
            return StoreCensus(
                rows: rows,
                ledger: totals.map { group, sum in
                    LedgerTotal(
                        mgOCID: UInt64(bitPattern: group.mg), currency: group.currency, entries: sum.entries,
                        total: sum.total)
                })
        }
    }
}

/// Reads one table batch by batch, each batch after the last key it read.
private actor TableReader {
    let snapshot: DatabaseSnapshot
    let rule: SQLiteSnapshot.CopyRule
    let size: Int
    private var columns: [String]?
    private var lastKey: [DatabaseValue]?
    private var done = false

    init(snapshot: DatabaseSnapshot, rule: SQLiteSnapshot.CopyRule, size: Int) {
        self.snapshot = snapshot
        self.rule = rule
        self.size = size
    }

    func next() throws -> TableRows? {
        guard !done else { return nil }
        let (rule, size, lastKey, known) = (rule, size, lastKey, columns)
        let (columns, rows, keys) = try snapshot.read { db in
            let columns = try known ?? db.columns(in: rule.table).map(\.name)
            let table = rule.table.quotedDatabaseIdentifier
            let key = rule.key.map(\.quotedDatabaseIdentifier).joined(separator: ", ")
            let after = lastKey == nil ? "" : "WHERE (\(key)) > (\(rule.key.map { _ in "?" }.joined(separator: ", ")))"
            let sql = """
                SELECT \(columns.map(\.quotedDatabaseIdentifier).joined(separator: ", ")), \(key)
                FROM \(table) \(after) ORDER BY \(key) LIMIT \(size)
                """
            var rows: [[StoreValue]] = []
            var keys: [DatabaseValue]?
            let cursor = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(lastKey ?? []))
            while let row = try cursor.next() {
                rows.append(try (0..<columns.count).map { try StoreValue(row[$0] as DatabaseValue, column: columns[$0], table: rule.table) })
                keys = (columns.count..<(columns.count + rule.key.count)).map { row[$0] as DatabaseValue }
            }
            return (columns, rows, keys)
        }
        self.columns = columns
        self.lastKey = keys
        if rows.count < size { done = true }
        guard !rows.isEmpty else { return nil }
        return TableRows(table: rule.table, columns: columns, rows: rows)
    }
}

extension StoreValue {
    /// A stored value as a copy carries it; a REAL (no column of the schema holds one) is refused, not rounded.
    init(_ value: DatabaseValue, column: String, table: String) throws {
        switch value.storage {
        case .null: self = .null
        case .int64(let integer): self = .integer(integer)
        case .string(let text): self = .text(text)
        case .blob(let data): self = .blob([UInt8](data))
        case .double(let real):
            throw StoreError.inconsistent("\(table).\(column) holds the real number \(real), which no column should")
        }
    }
}

extension SQLiteBackend {
    /// A snapshot of every table, for `ocgate store copy`: take it on a stopped or drained spool.
    /// - Throws: `StoreCopyError.tablesDiffer` if the schema has a table no copy rule reads.
    public func snapshot() throws -> any StoreSnapshot {
        try SQLiteSnapshot(database: service.database)
    }
}
