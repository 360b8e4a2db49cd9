import GatewayConfig
import GatewayCore
import GatewayStore
import GatewayStorePostgres
import GatewayStoreSQLite

/// The configured SQLite spool as the source of `ocgate store copy`: its stores (to check it is drained) and, once
/// it is, a snapshot of its every table.
public struct StoreCopySource: Sendable {
    public let runtime: GatewayRuntime
    private let backend: SQLiteBackend

    init(runtime: GatewayRuntime, backend: SQLiteBackend) {
        self.runtime = runtime
        self.backend = backend
    }

    /// A consistent snapshot of every table, taken now.
    public func snapshot() throws -> any StoreSnapshot { try backend.snapshot() }
}

extension GatewayAssembly {
    /// The SQLite spool of `configuration` (`store.backend` must be `sqlite`: the copy moves a spool up to PostgreSQL).
    public static func copySource(_ configuration: GatewayConfiguration) throws(GatewayStartupError) -> StoreCopySource {
        guard configuration.store.backend == .sqlite else {
            throw .configuration(
                "store copy reads the SQLite spool of the configuration: run it with store.backend = \"sqlite\" (switch to postgres after the copy)")
        }
        let spool = SpoolLayout(root: configuration.spool.dir)
        try spool.create()
        let backend: SQLiteBackend
        do {
            backend = try SQLiteBackend.open(
                path: spool.database, durability: configuration.store.durability == .full ? .full : .normal,
                busyTimeout: configuration.store.busyTimeout)
        } catch {
            throw .storage("database \(spool.database): \(error)")
        }
        let runtime = GatewayRuntime(
            configuration: configuration, spool: spool, stores: backend.stores, time: SystemTime(),
            services: [backend.service])
        return StoreCopySource(runtime: runtime, backend: backend)
    }

    /// The PostgreSQL database at `url` as a copy's target. Messages name it without its password.
    public static func copyTarget(url: String) throws(GatewayStartupError) -> any StoreCopyTarget {
        do {
            return PostgresCopyTarget(try PostgresStoreConfiguration(url: url, poolSize: 1))
        } catch {
            throw .configuration("--to: \(error)")
        }
    }
}
