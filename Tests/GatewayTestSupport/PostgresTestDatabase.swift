import Foundation
import GatewayStore
import GatewayStorePostgres
import Logging
import ServiceLifecycle

/// The PostgreSQL side of every test backend (`TestBackend.postgres`): a database of its own per test on the server
/// `OCGATE_TEST_POSTGRES_URL` names, dropped when the test lets go.
///
/// `open` returns at once (the fixture's init is synchronous) and blocks no thread of the test's: the stores exist
/// straight away, and a task creates and migrates the database on a dispatch thread, then runs the pool. Queries
/// wait for the pool; if the database cannot be made (no server, say), they throw why, so the test fails.
public enum PostgresTestDatabase {
    public static let variable = "OCGATE_TEST_POSTGRES_URL"

    /// No server configured: the postgres cases fail, loudly, with how to get one.
    public struct Unavailable: Error, CustomStringConvertible {
        public init() {}

        public var description: String {
            """
            \(PostgresTestDatabase.variable) is not set, so the PostgreSQL test cases cannot run (they fail \
            rather than skip). Start a local test server and export its URL with
                eval "$(scripts/postgres-test-cluster --export)"
            (scripts/test and .ci/run do this themselves), then run the tests again.
            """
        }
    }

    /// The test server's URL with `sslmode` (and `sslrootcert` if given) in place of its own query.
    package static func tlsURL(sslmode: String, sslrootcert: String? = nil) throws -> String {
        try TestPostgresServer.url(serverURL(), sslmode: sslmode, sslrootcert: sslrootcert)
    }

    /// The test's database could not be made: the test's queries throw this.
    public struct PreparationFailed: Error, CustomStringConvertible {
        public let location: String
        public let error: any Error

        /// postgres-nio's own description hides everything; its reflection says what failed (the location and the
        /// reflection carry no password).
        public var description: String { "could not create and migrate \(location): \(String(reflecting: error))" }
    }

    /// Fresh stores on the database `name` (a new one unless a test picked its name first, to hand its URL to
    /// another process: `url(database:)`).
    /// - Parameter server: the server, `OCGATE_TEST_POSTGRES_URL`'s unless given (a `ThrowawayPostgresCluster`'s).
    public static func open(
        time: any TimeSource, database name: String = newDatabaseName(), server: String? = nil
    ) throws -> OpenedStores {
        let shared = try openShared(time: time, database: name, url: server)
        return OpenedStores(stores: shared.backends[0].stores, discard: shared.discard)
    }

    /// `count` backends on one fresh database, as `count` processes (on as many hosts) would have: each with its own
    /// pool and job listener, all of them running. `discard` stops them and drops the database.
    /// - Parameters:
    ///   - url: the server, `OCGATE_TEST_POSTGRES_URL`'s unless given (`tlsURL`: the same server over TLS;
    ///     `TestPgBouncer.url`: the same server through pgbouncer).
    ///   - statementTimeout: `store.statement_timeout` of every backend.
    package static func openShared(
        count: Int = 1, time: any TimeSource, wakeups: WakeupOptions = WakeupOptions(),
        database name: String = newDatabaseName(), url: String? = nil, statementTimeout: Duration = .seconds(30)
    ) throws -> (backends: [PostgresBackend], discard: @Sendable () -> Void) {
        let url = try url ?? serverURL()
        // Up to eight connections per test (opened only as a test's callers need them): with two, the racers queued
        // for a connection behind each other, so a race the database must decide (a drain against the creates in
        // flight) was decided by the pool's queue instead, and a missing lock went unseen. The conformance suites run
        // their tests one at a time and the HTTP tests need a connection or two each, so the server (max_connections
        // 500 in scripts/postgres-test-cluster) sees a few hundred at most.
        let server = try PostgresStoreConfiguration(url: url, poolSize: 8, statementTimeout: statementTimeout)
        let database = server.with(database: name)
        let backends = (0..<count).map { _ in
            PostgresBackend.unmigrated(database, time: time, wakeups: wakeups, logger: logger)
        }
        let services = backends.flatMap(\.services)
        let pool = Task {
            do {
                try await prepare(database, on: server, logger: logger)
            } catch {
                for backend in backends {
                    backend.abandon(because: PreparationFailed(location: database.location, error: error))
                }
                return
            }
            try await withThrowingDiscardingTaskGroup { group in
                for service in services { group.addTask { try await service.run() } }
            }
        }
        return (backends, {
            pool.cancel()
            // On a dispatch thread, not the test's: FORCE ends the connections the cancelled pool has not closed yet.
            // A drop the process exits before is left to the next run's sweep or `scripts/postgres-test-cluster --stop`.
            DispatchQueue.global().async { try? PostgresAdmin.dropDatabase(name, on: server, logger: logger) }
        })
    }

    /// An empty database of its own, not migrated, for a test that fills it another way (`store copy`).
    public struct EmptyDatabase: Sendable {
        public let configuration: PostgresStoreConfiguration
        /// Its URL, for an `ocgate` process (`OCGATE_STORE_POSTGRES_URL`, `store copy --to`).
        public let url: String
        let server: PostgresStoreConfiguration
        public let logger: Logger

        /// Its URL with `sslmode=verify-full` and `root` as `sslrootcert`.
        public func url(verifyingWith root: String) throws -> String {
            try TestPostgresServer.url(url, sslmode: "verify-full", sslrootcert: root)
        }

        /// Drops it, on a dispatch thread (FORCE ends connections still open).
        public func drop() {
            let (name, server, logger) = (configuration.database, server, logger)
            DispatchQueue.global().async { try? PostgresAdmin.dropDatabase(name, on: server, logger: logger) }
        }
    }

    /// Creates an empty database on the server `OCGATE_TEST_POSTGRES_URL` names, on a dispatch thread.
    public static func empty() async throws -> EmptyDatabase {
        let server = try PostgresStoreConfiguration(url: try serverURL(), poolSize: 2)
        let name = newDatabaseName()
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            DispatchQueue.global().async {
                continuation.resume(with: Result {
                    sweepOnce(server, logger: logger)
                    try PostgresAdmin.createDatabase(name, on: server, logger: logger)
                })
            }
        }
        return EmptyDatabase(
            configuration: server.with(database: name), url: try url(database: name), server: server, logger: logger)
    }

    /// A name no other test's database has; every one starts `ocgate_test_`, which the sweep looks for.
    public static func newDatabaseName() -> String {
        "ocgate_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())"
    }

    /// The URL of the database `name` on the test server (or on `server`), for an `ocgate` process
    /// (`OCGATE_STORE_POSTGRES_URL`). Never the server's own URL in its place: a process given that would run on the
    /// shared admin database.
    public static func url(database name: String, server: String? = nil) throws -> String {
        let server = try server ?? serverURL()
        // Read as the gateway reads it, so a URL it would refuse is refused here, with its message.
        _ = try PostgresStoreConfiguration(url: server)
        guard var parts = URLComponents(string: server) else { throw StoreError.unsupported("\(variable) is not a URL") }
        parts.path = "/" + name
        guard let url = parts.string else { throw StoreError.unsupported("\(variable) with database \(name) is not a URL") }
        return url
    }

    /// `OCGATE_TEST_POSTGRES_URL`, or why there is none.
    package static func serverURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment[variable], !url.isEmpty else { throw Unavailable() }
        return url
    }

    /// The pool reports connections it gives up as a test ends (the database is dropped under it): not news.
    private static let logger = {
        var logger = Logger(label: "ocgate.tests.postgres")
        logger.logLevel = .error
        return logger
    }()

    /// Creates and migrates `database`, a few at a time and on a dispatch thread: that work blocks its thread, the
    /// cooperative threads are few and shared with every other suite, and a burst of every suite's databases at once
    /// loads the machine enough to slow the other suites' servers.
    private static func prepare(
        _ database: PostgresStoreConfiguration, on server: PostgresStoreConfiguration, logger: Logger
    ) async throws {
        await openings.acquire()
        defer { Task { await openings.release() } }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            DispatchQueue.global().async {
                continuation.resume(with: Result {
                    sweepOnce(server, logger: logger)
                    try PostgresAdmin.createDatabase(database.database, on: server, logger: logger)
                    try PostgresBackend.migrate(database, logger: logger)
                })
            }
        }
    }

    private static let openings = Openings(limit: 4)

    /// A counting semaphore that suspends instead of blocking a thread.
    private actor Openings {
        private var available: Int
        private var waiters: [CheckedContinuation<Void, Never>] = []

        init(limit: Int) { available = limit }

        func acquire() async {
            guard available == 0 else {
                available -= 1
                return
            }
            await withCheckedContinuation { waiters.append($0) }
        }

        func release() {
            if waiters.isEmpty { available += 1 } else { waiters.removeFirst().resume() }
        }
    }

    /// Drops test databases an earlier run left behind (it ended before its last drops ran), once per process. Only
    /// those over an hour old: another worktree's run may share the server.
    private static func sweepOnce(_ server: PostgresStoreConfiguration, logger: Logger) {
        sweep.once {
            let stale = (try? PostgresAdmin.databases(prefix: "ocgate_test_", olderThan: .seconds(3600), on: server, logger: logger)) ?? []
            for name in stale { try? PostgresAdmin.dropDatabase(name, on: server, logger: logger) }
        }
    }

    private static let sweep = Once()

    /// Runs a body the first time only. `@unchecked Sendable`: `done` is only touched under `lock`.
    private final class Once: @unchecked Sendable {
        private let lock = NSLock()
        private var done = false

        func once(_ body: () -> Void) {
            lock.withLock {
                guard !done else { return }
                done = true
                body()
            }
        }
    }
}
