import Foundation
import GatewayStore
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// An empty PostgreSQL database that `ocgate store copy` fills from another backend's snapshot, on a connection of
/// its own (no pool, no service: the copy is a one-shot verb).
///
/// The whole copy is one transaction: the emptiness check and every batch commit together or not at all, so a copy
/// that fails half way (a dropped connection, a row the schema refuses) leaves the database empty, and running the
/// command again is the whole recovery. A transaction per table would leave a half-filled database that the next run
/// refuses as not empty. PostgreSQL has no limit on a transaction's size that matters here; the cost is that the
/// copied rows become visible only at the end, which nobody needs sooner.
public struct PostgresCopyTarget: StoreCopyTarget {
    let configuration: PostgresStoreConfiguration
    let logger: Logger

    /// Any fixed number other than the migrations' lock: two copies into one database wait for each other, and the
    /// second finds the first one's rows and refuses.
    static let advisoryLock: Int64 = 0x6f63_6761_7465_63  // "ocgatec"

    public init(_ configuration: PostgresStoreConfiguration, logger: Logger = Logger(label: "ocgate.store.copy")) {
        self.configuration = configuration
        self.logger = logger
    }

    public var location: String { configuration.location }

    public func load(from snapshot: any StoreSnapshot, batchSize: Int) async throws {
        try await migrate()
        try await withConnection { connection in
            func run(_ query: PostgresQuery) async throws -> [PostgresRow] {
                try await connection.query(query, logger: logger).collect()
            }
            _ = try await run("BEGIN")
            do {
                _ = try await run("SELECT pg_advisory_xact_lock(\(Self.advisoryLock))")
                let columns = try await Self.columns(run)
                let tables = Set(columns.keys)
                let onlyInSource = snapshot.tables.filter { !tables.contains($0) }
                let onlyInTarget = tables.subtracting(snapshot.tables).sorted()
                guard onlyInSource.isEmpty, onlyInTarget.isEmpty else {
                    throw StoreCopyError.tablesDiffer(onlyInSource: onlyInSource, onlyInTarget: onlyInTarget)
                }
                let occupied = try await Self.occupiedTables(snapshot.tables, run)
                guard occupied.isEmpty else { throw StoreCopyError.targetNotEmpty(location: location, tables: occupied) }
                for table in snapshot.tables {
                    let types = columns[table] ?? [:]
                    for try await batch in snapshot.batches(of: table, size: batchSize) {
                        // PostgreSQL takes at most 65,535 parameters in one statement.
                        let perStatement = max(1, 65_535 / max(1, batch.columns.count))
                        var start = 0
                        while start < batch.rows.count {
                            let end = min(batch.rows.count, start + perStatement)
                            _ = try await run(Self.insert(batch, rows: start..<end, types: types))
                            start = end
                        }
                    }
                }
                for (table, types) in columns {
                    for (column, type) in types where type.identity {
                        // Generated ids continue after the copied ones: the next is max + 1 (1 on an empty table).
                        _ = try await run(
                            PostgresQuery(
                                unsafeSQL: """
                                    SELECT setval(pg_get_serial_sequence('\(table)', '\(column)'),
                                        COALESCE((SELECT max(\(quoted(column))) FROM \(quoted(table))), 0) + 1, false)
                                    """))
                    }
                }
                _ = try await run("COMMIT")
            } catch {
                _ = try? await run("ROLLBACK")
                throw error
            }
            // The planner's statistics, as autovacuum would gather them some time later: until then it plans for
            // the empty tables it last saw, and the first hosts to start on the copy would run on such plans. The
            // copy has committed, so a failure here is a warning, not a failed copy (whose rerun would find the
            // database full); the statement timeout does not apply, since analyzing a large table takes a while.
            do {
                _ = try await run("SET statement_timeout = 0")
                _ = try await run(PostgresQuery(unsafeSQL: "ANALYZE " + snapshot.tables.map(quoted).joined(separator: ", ")))
            } catch {
                logger.warning(
                    "copied and committed, but ANALYZE failed: autovacuum will gather the statistics",
                    metadata: ["error": "\(String(reflecting: error))"])
            }
        }
    }

    public func census() async throws -> StoreCensus {
        try await withConnection { connection in
            func run(_ query: PostgresQuery) async throws -> [PostgresRow] {
                try await connection.query(query, logger: logger).collect()
            }
            let tables = try await Self.columns(run).keys.sorted()
            var rows: [String: Int64] = [:]
            if !tables.isEmpty {
                let counts = tables.map { "SELECT '\($0)'::text AS name, count(*) AS n FROM \(quoted($0))" }
                for row in try await run(PostgresQuery(unsafeSQL: counts.joined(separator: " UNION ALL "))) {
                    let (name, count) = try row.decode((String, Int64).self)
                    rows[name] = count
                }
            }
            var ledger: [LedgerTotal] = []
            let sums = try await run(
                "SELECT mg_ocid, currency, count(*), sum(amount::numeric)::text FROM ledger_entries GROUP BY mg_ocid, currency")
            for row in sums {
                let (mg, currency, entries, total) = try row.decode((Int64, String, Int64, String).self)
                guard let exact = ExactDecimal(total) else {
                    throw StoreError.inconsistent("the ledger total of \(UInt64(bitPattern: mg)) \(currency) reads \(total)")
                }
                ledger.append(LedgerTotal(mgOCID: UInt64(bitPattern: mg), currency: currency, entries: entries, total: exact))
            }
            return StoreCensus(rows: rows, ledger: ledger)
        }
    }

    /// The schema's migrations, as every process applies them (under their advisory lock), on a dispatch thread:
    /// they block the thread they run on.
    private func migrate() async throws {
        let (configuration, logger) = (configuration, logger)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try PostgresBackend.migrate(configuration, logger: logger) })
            }
        }
    }

    private func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration.connectionConfiguration,
                id: 1, logger: logger
            ).get()
        } catch let error as PSQLError {
            throw PostgresOpenError(error, tls: configuration.tls)
        }
        do {
            _ = try await connection.query(configuration.sessionSetup, logger: logger)
            let result = try await body(connection)
            try? await connection.close()
            return result
        } catch let error as PSQLError {
            try? await connection.close()
            throw PostgresOpenError(detail: Self.describe(error))
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// The server's own message where it sent one: the reflection of a failed INSERT carries its query, a thousand
    /// rows long. Neither carries the password, which only the connection's configuration holds.
    private static func describe(_ error: PSQLError) -> String {
        guard let info = error.serverInfo, let message = info[.message] else { return String(reflecting: error) }
        let detail = info[.detail].map { " (\($0))" } ?? ""
        return "\(message)\(detail) [SQLSTATE \(info[.sqlState] ?? "?")]"
    }

    struct ColumnType {
        let dataType: String
        let identity: Bool
    }

    /// Every data table of the schema (all but `schema_migrations`) and its columns' types.
    private static func columns(
        _ run: (PostgresQuery) async throws -> [PostgresRow]
    ) async throws -> [String: [String: ColumnType]] {
        let rows = try await run(
            """
            SELECT c.table_name::text, c.column_name::text, c.data_type::text, c.is_identity::text
            FROM information_schema.columns c
            JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
              AND c.table_name <> 'schema_migrations'
            """)
        var tables: [String: [String: ColumnType]] = [:]
        for row in rows {
            let (table, column, type, identity) = try row.decode((String, String, String, String).self)
            tables[table, default: [:]][column] = ColumnType(dataType: type, identity: identity == "YES")
        }
        return tables
    }

    /// The tables that hold data. The drain flag's row that migration 6 writes (`draining = false`) is schema, not
    /// data; any other flag, or the flag set, is data.
    private static func occupiedTables(
        _ tables: [String], _ run: (PostgresQuery) async throws -> [PostgresRow]
    ) async throws -> [String] {
        guard !tables.isEmpty else { return [] }
        let probes = tables.map { table in
            let condition = table == "queue_flags" ? " WHERE NOT (name = 'draining' AND NOT value)" : ""
            return "SELECT '\(table)'::text AS name WHERE EXISTS (SELECT 1 FROM \(quoted(table))\(condition))"
        }
        return try await run(PostgresQuery(unsafeSQL: probes.joined(separator: " UNION ALL "))).map {
            try $0.decode(String.self)
        }.sorted()
    }

    /// One multi-row INSERT of `rows` of `batch`, ids kept (`OVERRIDING SYSTEM VALUE` where the table generates
    /// them), each value bound as its column's type needs (integers of a BOOLEAN column as booleans, blobs as BYTEA).
    /// The drain flag's row exists already (migration 6) and takes the copied value.
    private static func insert(_ batch: TableRows, rows: Range<Int>, types: [String: ColumnType]) -> PostgresQuery {
        var binds = PostgresBindings(capacity: rows.count * batch.columns.count)
        var tuples: [String] = []
        tuples.reserveCapacity(rows.count)
        for row in batch.rows[rows] {
            var placeholders: [String] = []
            for (index, value) in row.enumerated() {
                let column = batch.columns[index]
                switch (value, types[column]?.dataType) {
                case (.null, _): binds.appendNull()
                case (.integer(let integer), "boolean"): binds.append(integer != 0)
                case (.integer(let integer), _): binds.append(integer)
                case (.text(let text), _): binds.append(text)
                case (.blob(let bytes), _): binds.append(ByteBuffer(bytes: bytes))
                }
                placeholders.append("$\(binds.count)")
            }
            tuples.append("(" + placeholders.joined(separator: ", ") + ")")
        }
        let overriding = types.values.contains(where: \.identity) ? " OVERRIDING SYSTEM VALUE" : ""
        let conflict = batch.table == "queue_flags" ? " ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value" : ""
        let sql = """
            INSERT INTO \(quoted(batch.table)) (\(batch.columns.map(quoted).joined(separator: ", ")))\(overriding)
            VALUES \(tuples.joined(separator: ", "))\(conflict)
            """
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }
}

/// An identifier quoted for SQL.
private func quoted(_ identifier: String) -> String {
    "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
