import GatewayConfig
import GatewayStore
import Logging

/// What every gateway process shares: the spool, its database and queue, and the job handlers.
public struct GatewayRuntime: Sendable {
    public let configuration: GatewayConfiguration
    public let spool: SpoolLayout
    public let database: GatewayDatabase
    public let queue: SQLiteJobQueue
    public let time: any TimeSource

    /// Opens (and on first start creates) the spool and its database.
    public init(configuration: GatewayConfiguration, time: any TimeSource = SystemTime()) throws(GatewayStartupError) {
        self.configuration = configuration
        self.time = time
        spool = SpoolLayout(root: configuration.spool.dir)
        try spool.create()
        do {
            database = try GatewayDatabase(
                path: spool.database, durability: configuration.store.durability == .full ? .full : .normal,
                busyTimeout: configuration.store.busyTimeout)
        } catch {
            throw .storage("database \(spool.database): \(error)")
        }
        queue = SQLiteJobQueue(database: database, time: time)
    }

    /// A worker for the registered job kinds, sized by `workers.*` (see `GatewayJobs.registry` for `acceptor`).
    public func worker(
        acceptor: CheckoutAcceptor, kinds: Set<String>? = nil, concurrency: Int? = nil, logger: Logger
    ) -> JobWorker {
        let slots = concurrency ?? configuration.workers.concurrency
        return JobWorker(
            queue: queue, registry: GatewayJobs.registry(self, acceptor: acceptor, slots: slots, logger: logger),
            configuration: JobWorkerConfiguration(
                concurrency: slots, kinds: kinds, pollInterval: configuration.workers.pollInterval),
            time: time, logger: logger)
    }
}
