import Foundation
import GatewayStore
import GatewayStorePostgres
import GatewayTestSupport
import Opencharge
import Testing

/// `ocgate store migrate` run as an operator would before a rollout: on the embedded default, and on PostgreSQL.
@Suite(.serialized) struct StoreCommandTests {
    let config = OCGateProcess.packageRoot.appendingPathComponent("config/ocgate.toml").path

    func ocgate(_ arguments: [String], _ environment: [String: String]) throws -> OCGateProcess.Result {
        try OCGateProcess.run(arguments + ["--config", config], environment: environment)
    }

    @Test func migrateCreatesTheSQLiteSchemaAndIsIdempotent() throws {
        let spool = try OCGateProcess.temporaryDirectory().appendingPathComponent("spool").path
        let environment = ["OCGATE_SPOOL_DIR": spool]

        let first = try ocgate(["store", "migrate"], environment)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == "schema of \(spool)/ocgate.db is current\n")
        #expect(FileManager.default.fileExists(atPath: spool + "/ocgate.db"))

        let again = try ocgate(["store", "migrate", "--json"], environment)
        #expect(again.status == 0, "\(again.stderr)")
        let answer = try JSONParser.parse(again.stdout)
        #expect(answer["store"]?.stringValue == "\(spool)/ocgate.db")
        #expect(answer["schema"]?.stringValue == "current")
    }

    @Test func migrateNeedsThePostgresURLWithThePostgresBackend() throws {
        let spool = try OCGateProcess.temporaryDirectory().appendingPathComponent("spool").path
        let result = try ocgate(["store", "migrate"], ["OCGATE_SPOOL_DIR": spool, "OCGATE_STORE_BACKEND": "postgres"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("store.postgres_url"))
    }

    /// An sslmode ocgate does not take is the operator's to fix before anything connects: one line naming it, exit 1.
    @Test func anSslmodeOcgateDoesNotTakeIsOneLine() throws {
        let spool = try OCGateProcess.temporaryDirectory().appendingPathComponent("spool").path
        let result = try ocgate(["store", "migrate"], [
            "OCGATE_SPOOL_DIR": spool, "OCGATE_STORE_BACKEND": "postgres",
            "OCGATE_STORE_POSTGRES_URL": "postgres://ocgate:s3cret-pw@127.0.0.1:1/gw?sslmode=prefer",
        ])
        #expect(result.status == 1)
        #expect(result.stderr.contains("sslmode=prefer is not supported; use one of disable, require, verify-ca, verify-full"),
                "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(!result.stderr.contains("s3cret-pw"))
        #expect(result.stdout.isEmpty)
    }

    /// Migrated over TLS with the test server's CA (`verify-full`), and refused, saying so, with a CA that did not
    /// sign its certificate. Fails (never skips) without `OCGATE_TEST_POSTGRES_URL` and `OCGATE_TEST_POSTGRES_CA`.
    @Test func migrateVerifiesTheServerWithTheGivenRoot() async throws {
        let database = try await PostgresTestDatabase.empty()
        defer { database.drop() }
        let (ca, other) = try TestPostgresServer.certificateAuthorities()
        let spool = try OCGateProcess.temporaryDirectory().appendingPathComponent("spool").path
        func environment(root: String) throws -> [String: String] {
            [
                "OCGATE_SPOOL_DIR": spool, "OCGATE_STORE_BACKEND": "postgres",
                "OCGATE_STORE_POSTGRES_URL": try database.url(verifyingWith: root),
            ]
        }

        let verified = try ocgate(["store", "migrate"], environment(root: ca))
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stdout == "schema of \(database.configuration.location) is current\n")

        let refused = try ocgate(["store", "migrate"], environment(root: other))
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("TLS handshake failed (sslmode=verify-full sslrootcert=\(other))"), "\(refused.stderr)")
        #expect(refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
    }

    /// On a fresh database of the test server: created, current on a second run, and a schema from a newer ocgate
    /// refused with exit code 1. Fails (never skips) without `OCGATE_TEST_POSTGRES_URL`.
    @Test func migrateCreatesThePostgresSchemaAndRefusesANewerOne() async throws {
        let database = try await PostgresTestDatabase.empty()
        defer { database.drop() }
        let spool = try OCGateProcess.temporaryDirectory().appendingPathComponent("spool").path
        let environment = [
            "OCGATE_SPOOL_DIR": spool, "OCGATE_STORE_BACKEND": "postgres", "OCGATE_STORE_POSTGRES_URL": database.url,
        ]

        let first = try ocgate(["store", "migrate"], environment)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == "schema of \(database.configuration.location) is current\n")
        let again = try ocgate(["store", "migrate"], environment)
        #expect(again.status == 0, "\(again.stderr)")

        try PostgresAdmin.run(
            "INSERT INTO schema_migrations (version, name) VALUES (9999, 'from-a-newer-ocgate')",
            on: database.configuration, logger: database.logger)
        let refused = try ocgate(["store", "migrate"], environment)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("9999-from-a-newer-ocgate"), "\(refused.stderr)")
        #expect(refused.stdout.isEmpty)
    }
}
