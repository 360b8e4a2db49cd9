import Foundation
import GatewayStore
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// Database-level chores on a server, run on a connection of their own (not a store's pool): creating and dropping
/// whole databases, as the test suite does per test. Synchronous like `PostgresBackend.open`: the work runs on NIO's
/// event loops and the caller's thread only waits.
package enum PostgresAdmin {
    /// Creates the empty database `name` on the server of `server` (connecting to `server`'s own database).
    package static func createDatabase(_ name: String, on server: PostgresStoreConfiguration, logger: Logger) throws {
        try run("CREATE DATABASE \(quoted(name)) TEMPLATE template0 ENCODING 'UTF8'", on: server, logger: logger)
    }

    /// Drops the database `name`, disconnecting whoever is still connected to it (PostgreSQL 13+).
    package static func dropDatabase(_ name: String, on server: PostgresStoreConfiguration, logger: Logger) throws {
        try run("DROP DATABASE IF EXISTS \(quoted(name)) WITH (FORCE)", on: server, logger: logger)
    }

    /// Databases whose name starts with `prefix` and that were created more than `age` ago (by their files' time;
    /// needs a superuser, as a test server's `postgres` is).
    package static func databases(
        prefix: String, olderThan age: Duration, on server: PostgresStoreConfiguration, logger: Logger
    ) throws -> [String] {
        try connected(to: server, logger: logger) { connection in
            let rows = try connection.query(
                """
                SELECT datname FROM pg_database
                WHERE starts_with(datname, \(prefix))
                  AND (pg_stat_file('base/' || oid || '/PG_VERSION')).modification
                      < now() - make_interval(secs => \(Double(age.components.seconds)))
                """, logger: logger
            ).wait().rows
            return try rows.map { try $0.decode(String.self) }
        }
    }

    /// The rows the planner believes `table` of `database` holds (`pg_class.reltuples`: -1 before its first ANALYZE):
    /// what a test of the statistics checks.
    package static func plannedRows(of table: String, on database: PostgresStoreConfiguration, logger: Logger) throws
        -> Double
    {
        try connected(to: database, logger: logger) { connection in
            let rows = try connection.query(
                "SELECT reltuples::float8 FROM pg_class WHERE oid = \(table)::regclass", logger: logger
            ).wait().rows
            guard let row = rows.first else { throw StoreError.inconsistent("pg_class has no row for \(table)") }
            return try row.decode(Double.self)
        }
    }

    /// Runs one statement on `server`'s database (operators' chores and tests that must reach past the contracts).
    package static func run(_ sql: String, on server: PostgresStoreConfiguration, logger: Logger) throws {
        try connected(to: server, logger: logger) { connection in
            _ = try connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).wait()
        }
    }

    /// Runs `body` on a connection of its own to `server`'s database, closed afterwards, blocking the calling thread.
    static func connected<T>(
        to server: PostgresStoreConfiguration, logger: Logger, _ body: (PostgresConnection) throws -> T
    ) throws -> T {
        let connection = try PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(), configuration: server.connectionConfiguration, id: 0,
            logger: logger
        ).wait()
        defer { try? connection.close().wait() }
        return try body(connection)
    }

    /// Ends the connections of every job listener (`JobListener`) on `database`, as a network failure or an operator's
    /// `pg_terminate_backend` would. - Returns: how many it ended.
    package static func terminateListeners(on database: PostgresStoreConfiguration, logger: Logger) async throws -> Int {
        let connection = try await PostgresConnection.connect(
            configuration: database.connectionConfiguration, id: 0, logger: logger)
        let ended: Result<[PostgresRow], any Error>
        do {
            ended = .success(try await connection.query(
                """
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = current_database() AND application_name = \(JobListener.applicationName)
                """, logger: logger
            ).collect())
        } catch {
            ended = .failure(error)
        }
        try? await connection.close()
        return try ended.get().count
    }

    /// An identifier quoted for SQL (names here are generated, but quoting keeps that an assumption nobody relies on).
    private static func quoted(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
