import Foundation
import GatewayStore
import GatewayStorePostgres
import Logging
import Testing

/// What only the PostgreSQL backend has to show: its schema is migrated once however many hosts open it at once,
/// and a binary refuses a schema newer than it knows.
@Suite("PostgresSchema")
struct PostgresSchemaTests {
    private let logger: Logger = {
        var logger = Logger(label: "ocgate.conformance.postgres-schema")
        logger.logLevel = .error
        return logger
    }()

    /// A fresh, empty database on the test server, dropped by `drop`.
    private func freshDatabase() throws -> (PostgresStoreConfiguration, drop: () -> Void) {
        guard let url = ProcessInfo.processInfo.environment[PostgresTestDatabase.variable], !url.isEmpty else {
            throw PostgresTestDatabase.Unavailable()
        }
        let server = try PostgresStoreConfiguration(url: url, poolSize: 2)
        let name = "ocgate_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())"
        try PostgresAdmin.createDatabase(name, on: server, logger: logger)
        return (server.with(database: name), { try? PostgresAdmin.dropDatabase(name, on: server, logger: self.logger) })
    }

    @Test func hostsOpeningANewDatabaseAtOnceMigrateItOnce() async throws {
        let (database, drop) = try freshDatabase()
        defer { drop() }
        let logger = self.logger
        // Eight "hosts" at once: the advisory lock lets one migrate; the others find every migration applied.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask { _ = try PostgresBackend.open(database, time: SystemTime(), logger: logger) }
            }
            try await group.waitForAll()
        }
        try PostgresAdmin.run(
            """
            DO $$ BEGIN
                IF (SELECT count(*) FROM schema_migrations) <> (SELECT count(DISTINCT version) FROM schema_migrations)
                THEN RAISE EXCEPTION 'a migration was recorded twice'; END IF;
            END $$
            """, on: database, logger: logger)
    }

    @Test func aSchemaNewerThanThisBinaryIsRefused() throws {
        let (database, drop) = try freshDatabase()
        defer { drop() }
        _ = try PostgresBackend.open(database, time: SystemTime(), logger: logger)
        try PostgresAdmin.run(
            "INSERT INTO schema_migrations (version, name) VALUES (9999, 'from-a-newer-ocgate')", on: database,
            logger: logger)

        let error = try #require(throws: StoreError.self) {
            _ = try PostgresBackend.open(database, time: SystemTime(), logger: logger)
        }
        guard case .schemaTooNew(let location, let unknown) = error else {
            Issue.record("expected schemaTooNew, got \(error)")
            return
        }
        #expect(unknown == ["9999-from-a-newer-ocgate"])
        #expect(!location.contains(":@"), "the location names no password")
    }

    @Test func theLocationNeverCarriesThePassword() throws {
        let configuration = try PostgresStoreConfiguration(url: "postgres://ocgate:s3cret@db.internal:6543/gw?sslmode=disable")
        #expect(configuration.location == "postgres://ocgate@db.internal:6543/gw")
        #expect(configuration.password == "s3cret")
    }
}
