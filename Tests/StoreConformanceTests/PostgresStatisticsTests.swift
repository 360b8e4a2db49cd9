import Foundation
import GatewayStore
import GatewayStorePostgres
import GatewayTestSupport
import Logging
import Testing

/// `StoreMaintenance.refreshStatistics` on PostgreSQL: the planner's row estimates follow a bulk load at once instead
/// of at autovacuum's next look. Fails (never skips) without `OCGATE_TEST_POSTGRES_URL`.
@Suite("PostgreSQL statistics")
struct PostgresStatisticsTests {
    private static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test func refreshingAfterABulkLoadSizesTheTablesAsTheyAre() async throws {
        let shared = try PostgresTestDatabase.openShared(time: SystemTime())
        defer { shared.discard() }
        let backend = shared.backends[0]
        _ = try await backend.stores.jobs.isDraining()  // the database is made and migrated
        // Autovacuum off for the table, so only the refresh can analyze it while the test looks.
        try PostgresAdmin.run("ALTER TABLE jobs SET (autovacuum_enabled = false)", on: backend.configuration, logger: Self.quiet)
        _ = try await backend.stores.jobs.enqueue((0..<250).map { _ in NewJob(kind: "bulk.load") })
        let before = try PostgresAdmin.plannedRows(of: "jobs", on: backend.configuration, logger: Self.quiet)
        #expect(before != 250, "nothing has analyzed the table yet")

        try await backend.stores.maintenance.refreshStatistics()
        #expect(try PostgresAdmin.plannedRows(of: "jobs", on: backend.configuration, logger: Self.quiet) == 250)
    }
}
