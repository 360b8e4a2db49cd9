import Foundation
import GatewayStore
import Logging
import PostgresNIO

/// The pool every store of one backend shares, and the two ways they use it: one statement on any connection
/// (`run`), or several in one transaction (`transaction`). Only this module sees it.
///
/// postgres-nio does not pipeline: each statement is a round trip, so the stores batch rows into one statement
/// where a call carries many (claims, `jobs(uniqueKeys:)`) and keep transactions to the statements they need.
final class PostgresDatabase: Sendable {
    let client: PostgresClient
    /// The pool as a service: run it, and the queries go.
    let pool: PoolService
    let configuration: PostgresStoreConfiguration
    let logger: Logger
    /// Wakes this process's workers after a commit that enqueued jobs, and has `announcer` tell the other processes.
    let notifier: JobNotifier
    /// NOTIFYs the other processes' listeners (`JobListener`) of enqueued jobs.
    let announcer: JobAnnouncer
    /// Where every statement gets its connection.
    let leases: ConnectionLeases

    init(configuration: PostgresStoreConfiguration, wakeups: WakeupOptions = WakeupOptions(), logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        client = PostgresClient(configuration: configuration.clientConfiguration, backgroundLogger: logger)
        pool = PoolService(client: client)
        leases = ConnectionLeases(
            client: client, pool: pool, logger: logger, setup: SessionSetup(statement: configuration.sessionSetup))
        let announcer = JobAnnouncer(leases: leases, options: wakeups, logger: logger)
        self.announcer = announcer
        notifier = JobNotifier(announce: { announcer.jobsEnqueued() }, announced: { await announcer.flush() })
    }

    /// Runs one statement in its own (implicit) transaction and returns every row.
    @discardableResult
    func run(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await leased { try await $0.run(query) }
    }

    /// Runs a statement whose one row holds a count in the column `n` (`SELECT count(*) AS n …`) and returns it.
    func count(_ query: PostgresQuery) async throws -> Int {
        Int(try await run(query).first?.get("n", as: Int64.self) ?? 0)
    }

    /// Runs `body` in one transaction (READ COMMITTED: every statement sees what committed before it began, and a
    /// conditional UPDATE re-checks its condition on the newest row version after waiting for a lock). Commits if
    /// `body` returns; rolls back and rethrows `body`'s error if it throws.
    func transaction<T: Sendable>(_ body: (Transaction) async throws -> T) async throws -> T {
        try await leased { transaction in
            try await transaction.run("BEGIN")
            let result: T
            do {
                result = try await body(transaction)
            } catch {
                // A failed ROLLBACK means the connection is gone, and the server ends the transaction with it.
                _ = try? await transaction.run("ROLLBACK")
                throw error
            }
            try await transaction.run("COMMIT")
            return result
        }
    }

    /// Leases a connection for `body`'s statements (several statements outside a transaction, or one prepared).
    func leased<T: Sendable>(_ body: (Transaction) async throws -> T) async throws -> T {
        try await leases.leased(body)
    }
}

/// Leases the pool's connections, their statements watched for a close (`ConnectionWatch`), each connection set up
/// (`SessionSetup`) before its first statement.
struct ConnectionLeases: Sendable {
    let client: PostgresClient
    let pool: PoolService
    let logger: Logger
    let setup: SessionSetup
    let watch = ConnectionWatch()

    func leased<T: Sendable>(_ body: (Transaction) async throws -> T) async throws -> T {
        try await pool.ready()
        return try await client.withConnection { connection in
            let transaction = Transaction(connection: connection, logger: logger, watch: watch)
            try await setup.prepare(transaction)
            return try await body(transaction)
        }
    }
}

/// Runs the session's `SET`s (`PostgresStoreConfiguration.sessionSetup`) once on each connection of the pool, the
/// first time it is leased: postgres-nio's pool has no hook for a new connection.
///
/// `@unchecked Sendable`: `ready` is only touched under `lock`.
final class SessionSetup: @unchecked Sendable {
    private let statement: PostgresQuery
    private let lock = NSLock()
    /// The open connections that ran it; one leaves when it closes.
    private var ready: Set<PostgresConnection.ID> = []

    init(statement: PostgresQuery) {
        self.statement = statement
    }

    /// Runs the setup on `transaction`'s connection unless it ran there already. A lease holds its connection alone,
    /// so no two callers set one connection up at once.
    func prepare(_ transaction: Transaction) async throws {
        let connection = transaction.connection
        guard !lock.withLock({ ready.contains(connection.id) }) else { return }
        try await transaction.run(statement)
        let id = connection.id
        lock.withLock { _ = ready.insert(id) }
        connection.closeFuture.whenComplete { _ in self.lock.withLock { _ = self.ready.remove(id) } }
    }
}

/// A leased connection, in an open transaction or not.
struct Transaction {
    let connection: PostgresConnection
    let logger: Logger
    let watch: ConnectionWatch

    @discardableResult
    func run(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await watch.run(on: connection) { [connection, logger] in
            connection.query(query, logger: logger).map(\.rows)
        }
    }
}

/// The database clock, in the store's unit (integer milliseconds since 1970), as SQL. `statement_timestamp()`
/// so every use within one statement agrees.
let databaseNowMillis = "(floor(extract(epoch FROM statement_timestamp()) * 1000))::bigint"

extension PostgresRow {
    /// The value of `column`, decoded.
    func get<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        try makeRandomAccess()[column].decode(T.self)
    }
}

extension PostgresRandomAccessRow {
    func get<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        try self[column].decode(T.self)
    }

    func date(_ column: String) throws -> Date { Date(millis: try get(column, as: Int64.self)) }

    func optionalDate(_ column: String) throws -> Date? { try get(column, as: Int64?.self).map(Date.init(millis:)) }

    /// An OCID: a UInt64 kept as its BIGINT bit pattern.
    func ocid(_ column: String) throws -> UInt64 { UInt64(bitPattern: try get(column, as: Int64.self)) }
}

extension UInt64 {
    /// How an OCID is stored: its bit pattern as a BIGINT. Orderings by OCID sort on `(ocid < 0, ocid)`, so OCIDs
    /// above Int64.max (negative patterns) come after the rest, in unsigned order.
    var stored: Int64 { Int64(bitPattern: self) }
}

/// A statement assembled at run time (optional filters), with its parameters numbered as they are bound.
struct DynamicQuery {
    private(set) var sql: String
    private(set) var binds = PostgresBindings()

    init(_ sql: String) { self.sql = sql }

    /// Binds `value` and returns its placeholder.
    mutating func bind<Value: PostgresDynamicTypeEncodable>(_ value: Value) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    /// Binds `value`, NULL when nil, and returns its placeholder.
    mutating func bind<Value: PostgresDynamicTypeEncodable>(_ value: Value?) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    mutating func append(_ text: String) { sql += text }

    var query: PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: binds) }
}
