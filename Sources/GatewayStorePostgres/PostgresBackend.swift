import Foundation
import GatewayStore
import Logging
import NIOSSL
import PostgresNIO
import ServiceLifecycle

/// The shared backend: every store contract on one PostgreSQL database, for acceptors and workers on many hosts.
public struct PostgresBackend: Sendable {
    /// One instance of each store, all on this database's pool.
    public let stores: GatewayStores
    let pool: PoolService
    /// The pool's statements, for what the backend asks beside the stores (`encryption`).
    let database: PostgresDatabase
    /// The database the stores are on.
    package let configuration: PostgresStoreConfiguration
    /// Hears other processes' enqueues and wakes this process's workers (see `JobListener`).
    package let listener: JobListener
    /// Tells other processes' listeners of this process's enqueues (see `JobAnnouncer`).
    package let announcer: JobAnnouncer
    /// The group commit of checkout creates.
    let committer: BatchCommitter<SessionRequest, SessionCreation>

    /// Transactions the group commit of checkout creates has run (fewer than creates when they shared them).
    package var checkoutTransactions: Int { committer.transactionCount }

    /// The services the process runs for this backend: the connection pool, then the listener for other processes'
    /// enqueues. Put them first in the process's `ServiceGroup`, so they are up before anything that uses the stores
    /// and stop after them; nothing reaches the database until the pool runs, and its shutdown closes every
    /// connection. A process without workers listens too: one idle connection, whose wake-ups wake nobody.
    public var services: [any Service] { [pool, listener] }

    /// Opens the database at `configuration`, creating or upgrading its schema first (see `PostgresSchema`).
    /// Blocks while it migrates, on a connection of its own: the pool runs only once its service does.
    /// - Parameter time: the clock of every instant the contracts expose. With `SystemTime` (the default), leases
    ///   and due checks use the database's clock instead, so hosts with skewed clocks agree on them.
    /// - Throws: `StoreError.schemaTooNew` if a newer ocgate migrated the database; connection errors otherwise.
    public static func open(
        _ configuration: PostgresStoreConfiguration, time: any TimeSource = SystemTime(),
        logger: Logger = Logger(label: "ocgate.store.postgres")
    ) throws -> PostgresBackend {
        try migrate(configuration, logger: logger)
        return unmigrated(configuration, time: time, logger: logger)
    }

    /// Creates or upgrades the schema of the database at `configuration` (see `PostgresSchema`), blocking the
    /// calling thread while it does.
    /// - Throws: `StoreError.schemaTooNew` if a newer ocgate migrated the database; `PostgresOpenError` otherwise.
    package static func migrate(_ configuration: PostgresStoreConfiguration, logger: Logger) throws {
        do {
            try PostgresSchema.migrate(configuration, logger: logger)
        } catch let error as PSQLError {
            throw PostgresOpenError(error, tls: configuration.tls)
        }
    }

    /// The stores on the database at `configuration`, which the caller migrates (`migrate`) before it runs the
    /// pool's service, or abandons (`abandon`). Connects to nothing: the test fixture makes its stores at once and
    /// its database off the test's thread.
    /// - Parameter wakeups: the NOTIFY channel, its debounce window and clock, the listener's reconnect delays.
    package static func unmigrated(
        _ configuration: PostgresStoreConfiguration, time: any TimeSource, wakeups: WakeupOptions = WakeupOptions(),
        logger: Logger
    ) -> PostgresBackend {
        let database = PostgresDatabase(configuration: configuration, wakeups: wakeups, logger: logger)
        let queue = PostgresJobQueue(database: database, time: time)
        let nonces = PostgresNonceStore(database: database, time: time)
        let claimedSessions = HandedOver<CheckoutSessionRecord>()
        let sessions = PostgresSessionStore(
            database: database, queue: queue, nonces: nonces, claimedSessions: claimedSessions)
        let proofs = PostgresProofStore(database: database, queue: queue, claimedSessions: claimedSessions)
        let stores = GatewayStores(
            sessions: sessions, charges: sessions, proofs: proofs, deliveries: proofs,
            settlement: PostgresSettlementStore(database: database, queue: queue),
            partners: PostgresPartnerStore(database: database), nonces: nonces,
            peerDocuments: PostgresPeerDocumentStore(database: database), jobs: queue,
            maintenance: PostgresMaintenance(database: database), audit: PostgresAuditStore(database: database),
            activity: PostgresActivityStore(database: database))
        let listener = JobListener(
            configuration: configuration, options: wakeups, notifier: database.notifier, logger: logger)
        return PostgresBackend(
            stores: stores, pool: database.pool, database: database, configuration: configuration, listener: listener,
            announcer: database.announcer, committer: sessions.committer)
    }

    /// Whether this backend's connections are encrypted, as the server sees them (`pg_stat_ssl`): the pooled one that
    /// asks, and the job listener's (nil while it is not connected). What a test of `sslmode` checks, since a client
    /// that quietly fell back to plain text would work just as well.
    package func encryption() async throws -> (pool: Bool, listener: Bool?) {
        let rows = try await database.run(
            """
            SELECT (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()),
                   (SELECT bool_and(s.ssl) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
                    WHERE a.datname = current_database() AND a.application_name = \(JobListener.applicationName))
            """)
        guard let row = rows.first else { throw StoreError.inconsistent("pg_stat_ssl answered no row") }
        let (pool, listener) = try row.decode((Bool, Bool?).self)
        return (pool, listener)
    }

    /// The session a pooled connection runs in, as the server sees it: its backend's pid and its `statement_timeout`
    /// and `TimeZone`, read by a statement that then sleeps `seconds` on the server (a test's way to outlast the
    /// timeout). What a test of the session setup checks, with and without pgbouncer between.
    package func session(sleeping seconds: Double = 0) async throws -> (pid: Int32, statementTimeout: String, timeZone: String) {
        let rows = try await database.run(
            """
            SELECT pg_backend_pid(), current_setting('statement_timeout'), current_setting('TimeZone'),
                   pg_sleep(\(seconds))::text
            """)
        guard let row = rows.first else { throw StoreError.inconsistent("a session probe answered no row") }
        let (pid, timeout, zone, _) = try row.decode((Int32, String, String, String).self)
        return (pid, timeout, zone)
    }

    /// The pool will never run: every query waiting for it, and every later one, throws `error`.
    package func abandon(because error: any Error) {
        pool.fail(error)
    }
}

/// What operators and probes ask of the database itself.
struct PostgresMaintenance: StoreMaintenance {
    let database: PostgresDatabase

    var location: String { database.configuration.location }

    /// A write transaction that changes nothing: fails on a read-only standby, a lost server or a full pool.
    func checkWritable() async throws {
        try await database.transaction { tx in
            try await tx.run("SET TRANSACTION READ WRITE")
            try await tx.run("SELECT txid_current()")
        }
    }

    func backup(to destination: String) async throws {
        throw StoreError.unsupported(
            "PostgreSQL is backed up with its own tools: pg_dump, or pg_basebackup with WAL archiving")
    }

    /// ANALYZE of the database: what autovacuum does once a table has changed enough, done now. Until then the
    /// planner sizes a freshly filled table by its old statistics: after `bench console`'s seed it joined an hour's
    /// 95,000 attempts to their jobs one index probe at a time, and the overview took 175 ms at p50 (48 ms after).
    /// The statement timeout does not apply (`SET LOCAL`, so the pooled connection keeps its own).
    func refreshStatistics() async throws {
        try await database.transaction { tx in
            try await tx.run("SET LOCAL statement_timeout = 0")
            try await tx.run("ANALYZE")
        }
    }
}

/// Opening the database failed at the server or on the way to it.
public struct PostgresOpenError: Error, CustomStringConvertible {
    public let detail: String

    public var description: String { "PostgreSQL refused or could not be reached: \(detail)" }

    init(detail: String) {
        self.detail = detail
    }

    /// PSQLError's own description hides everything; its reflection says what failed (never the password, which is
    /// only in the configuration). A TLS failure is said in words first, with the mode and roots it was under, since
    /// the reflection names only BoringSSL's code, deep inside.
    init(_ error: PSQLError, tls: PostgresTLS) {
        if error.code == .sslUnsupported {
            detail = "the server does not offer TLS, which \(tls) requires"
        } else if let underlying = error.underlying, underlying is NIOSSLError || underlying is BoringSSLError {
            detail = "the TLS handshake failed (\(tls)): \(underlying)"
        } else {
            detail = String(reflecting: error)
        }
    }
}
