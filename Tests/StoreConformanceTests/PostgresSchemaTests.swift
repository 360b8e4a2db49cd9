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

    /// Migration 8: the idempotency key leads with the order id and is what every lookup by order id uses; the two
    /// indexes that did it before are gone. Checked in the database itself (a DO block raises what is wrong).
    @Test func lookupsByOrderIDUseTheIdempotencyKey() throws {
        let (database, drop) = try freshDatabase()
        defer { drop() }
        _ = try PostgresBackend.open(database, time: SystemTime(), logger: logger)
        try PostgresAdmin.run(
            """
            DO $$ DECLARE line text; lookup text; used boolean; BEGIN
                IF EXISTS (SELECT 1 FROM pg_indexes WHERE tablename = 'checkout_sessions'
                           AND indexname IN ('checkout_sessions_mg_order', 'checkout_sessions_order')) THEN
                    RAISE EXCEPTION 'an index of the order id alone is left';
                END IF;
                IF ((SELECT indexdef FROM pg_indexes WHERE indexname = 'checkout_sessions_order_key')
                    LIKE 'CREATE UNIQUE INDEX % (order_id, mg_ocid, merchant_ocid)') IS NOT TRUE THEN
                    RAISE EXCEPTION 'the idempotency key does not lead with the order id';
                END IF;
                SET LOCAL enable_seqscan = off;
                FOREACH lookup IN ARRAY ARRAY['order_id = $o$o$o$', 'mg_ocid = 300 AND order_id = $o$o$o$',
                                              'mg_ocid = 300 AND merchant_ocid = 500 AND order_id = $o$o$o$'] LOOP
                    used := false;
                    FOR line IN EXECUTE 'EXPLAIN SELECT id FROM checkout_sessions WHERE ' || lookup LOOP
                        used := used OR line LIKE '%checkout_sessions_order_key%';
                    END LOOP;
                    IF NOT used THEN RAISE EXCEPTION 'not found through the key: %', lookup; END IF;
                END LOOP;
            END $$
            """, on: database, logger: logger)
    }

    @Test func theLocationNeverCarriesThePassword() throws {
        let configuration = try PostgresStoreConfiguration(url: "postgres://ocgate:s3cret@db.internal:6543/gw?sslmode=disable")
        #expect(configuration.location == "postgres://ocgate@db.internal:6543/gw")
        #expect(configuration.password == "s3cret")
    }
}
