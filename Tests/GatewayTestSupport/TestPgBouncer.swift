import Foundation

/// The pgbouncer in front of the PostgreSQL test server (scripts/postgres-test-cluster starts it in session mode, the
/// one mode `docs/operations.md` supports), for tests that run the gateway through it as a deployment would. Cases
/// that need it fail without `OCGATE_TEST_PGBOUNCER_URL`, saying how to get it; they never skip.
public enum TestPgBouncer {
    public static let variable = "OCGATE_TEST_PGBOUNCER_URL"

    /// `OCGATE_TEST_PGBOUNCER_URL` is not set.
    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String {
            """
            \(TestPgBouncer.variable) is not set, so the pgbouncer cases cannot run (they fail rather than skip). \
            eval "$(scripts/postgres-test-cluster --export)" starts one in front of the test server and sets it.
            """
        }
    }

    /// The URL of the database `name` through pgbouncer (which forwards every database name to the test server).
    public static func url(database name: String) throws -> String {
        guard let server = ProcessInfo.processInfo.environment[variable], !server.isEmpty else { throw Unavailable() }
        return try PostgresTestDatabase.url(database: name, server: server)
    }

    /// pgbouncer's own address, with the server's admin database: where a test makes and drops its databases when
    /// everything it does goes through pgbouncer.
    public static func serverURL() throws -> String { try url(database: "postgres") }
}
