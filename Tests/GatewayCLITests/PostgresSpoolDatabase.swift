import GatewayStore
import GatewayTestSupport

/// A fresh PostgreSQL database for one test's `ocgate` processes, created and migrated before `make` returns (so
/// the first process finds its schema current), with its stores open in the test's process too, as another host's
/// would be. Dropped when the last holder lets go.
struct PostgresSpoolDatabase: Sendable {
    private let scratch: ScratchStores
    /// What `OCGATE_STORE_POSTGRES_URL` names: the database on the server `OCGATE_TEST_POSTGRES_URL` names.
    let url: String
    var stores: GatewayStores { scratch.stores }
    /// The settings that put an `ocgate` process on this database instead of the spool's SQLite file.
    var environment: [String: String] { ["OCGATE_STORE_BACKEND": "postgres", "OCGATE_STORE_POSTGRES_URL": url] }

    /// The name of the database on its server.
    let name: String

    /// - Parameter server: the server, `OCGATE_TEST_POSTGRES_URL`'s unless given (a `ThrowawayPostgresCluster`'s).
    static func make(server: String? = nil) async throws -> PostgresSpoolDatabase {
        let name = PostgresTestDatabase.newDatabaseName()
        let url = try PostgresTestDatabase.url(database: name, server: server)
        let scratch = ScratchStores(
            .postgres, opened: try PostgresTestDatabase.open(time: SystemTime(), database: name, server: server))
        // A query waits until the database is made and migrated, or throws why it could not be.
        _ = try await scratch.stores.jobs.isDraining()
        return PostgresSpoolDatabase(scratch: scratch, url: url, name: name)
    }

    /// The database `backend`'s processes use: nil on SQLite, whose file lives in the spool.
    static func make(for backend: TestBackend) async throws -> PostgresSpoolDatabase? {
        backend == .postgres ? try await make() : nil
    }
}
