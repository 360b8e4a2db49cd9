import Foundation
import GatewayConfig
import GatewayCore
import GatewayStore
import GatewayStorePostgres
import GatewayStoreSQLite
import Logging
import ServiceLifecycle

extension GatewayAssembly {
    /// `ocgate bench queue` on the storage `configuration` names: the queue's pipeline and single durable enqueues,
    /// with raw single-row commits on the same backend for comparison. SQLite runs on fresh files in `spool.dir`
    /// (at `store.durability`); PostgreSQL on `store.postgres_url`'s database, which should be empty.
    public static func benchmarkQueue(
        _ configuration: GatewayConfiguration, jobs: Int, batch: Int, workers: Int, singles: Int
    ) async throws -> QueueBenchmarkResult {
        switch configuration.store.backend {
        case .sqlite:
            let durability: GatewayStore.Durability = configuration.store.durability == .full ? .full : .normal
            let stamp = UUID().uuidString
            let directory = configuration.spool.dir
            let queue = try SQLiteBackend.open(path: "\(directory)/bench-\(stamp).db", durability: durability).stores.jobs
            let raw = try await SQLiteBackend.rawCommits(path: "\(directory)/raw-\(stamp).db", durability: durability)
            return try await QueueBenchmark.run(
                queue: queue, rawCommit: raw, jobs: jobs, batch: batch, workers: workers, singles: singles)
        case .postgres:
            var logger = Logger(label: "ocgate.bench.queue")
            logger.logLevel = .error
            let backend = try PostgresBackend.open(try postgresSettings(configuration), logger: logger)
            let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: backend.services, logger: logger))
            let running = Task { try await group.run() }
            do {
                let raw = try await backend.rawCommits()
                let result = try await QueueBenchmark.run(
                    queue: backend.stores.jobs, rawCommit: raw, jobs: jobs, batch: batch, workers: workers, singles: singles)
                await group.triggerGracefulShutdown()
                try await running.value
                return result
            } catch {
                await group.triggerGracefulShutdown()
                _ = try? await running.value
                throw error
            }
        }
    }
}

/// A database of its own for one PostgreSQL benchmark run: created empty on the server an operator named, migrated,
/// and dropped after, so runs never see each other's rows and nothing is left behind.
public struct BenchDatabase: Sendable {
    /// `ocgate_bench_` and 16 random hex digits.
    public let name: String
    /// The server's URL with this database in its path: what `store.postgres_url` is set to for the run.
    public let url: String
    private let server: PostgresStoreConfiguration
    private let logger: Logger

    /// Creates and migrates a fresh database on the server of `serverURL` (whose own database the connection for
    /// creating and dropping uses).
    public static func create(on serverURL: String) throws(GatewayStartupError) -> BenchDatabase {
        let server: PostgresStoreConfiguration
        do { server = try PostgresStoreConfiguration(url: serverURL, poolSize: 1) } catch {
            throw .configuration("--store: \(error)")
        }
        guard var parts = URLComponents(string: serverURL) else { throw .configuration("--store: not a URL") }
        let name = "ocgate_bench_" + String(format: "%016llx", UInt64.random(in: .min ... .max))
        parts.path = "/" + name
        guard let url = parts.string else { throw .configuration("--store: not a URL") }
        var logger = Logger(label: "ocgate.bench.database")
        logger.logLevel = .error
        let database = BenchDatabase(name: name, url: url, server: server, logger: logger)
        do {
            try PostgresAdmin.createDatabase(name, on: server, logger: logger)
        } catch {
            throw .storage("creating \(name) on \(server.location): \(String(reflecting: error))")
        }
        do {
            // What `ocgate store migrate` does when it opens the store.
            try PostgresBackend.migrate(server.with(database: name), logger: logger)
        } catch {
            database.drop()
            throw .storage("migrating \(name) on \(server.location): \(error)")
        }
        return database
    }

    /// Drops the database, disconnecting whoever is still on it; a failure is ignored (nothing is left to do).
    public func drop() {
        try? PostgresAdmin.dropDatabase(name, on: server, logger: logger)
    }

    /// The server's counters now (see `DatabaseActivity`).
    public func activity() throws -> DatabaseActivity {
        try PostgresAdmin.activity(of: name, on: server, logger: logger)
    }
}
