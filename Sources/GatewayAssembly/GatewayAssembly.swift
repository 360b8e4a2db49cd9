import GatewayConfig
import GatewayCore
import GatewayOutbound
import GatewayServer
import GatewayStore
import GatewayStorePostgres
import GatewayStoreSQLite
import Logging

/// The composition root: the one place that turns configuration into the storage backend `[store]` names, the
/// peer directory, the payment backend and the outbound client, each built once per process and handed to
/// everything else. Nothing above it knows which database it talks to.
public enum GatewayAssembly {
    /// The storage of `configuration`'s spool: what the operator commands need (no key, no registry, no network).
    /// A long-running process runs its `services` first in its `ServiceGroup`. A one-shot command, whose writes have
    /// each committed when they return, need not run SQLite's; PostgreSQL's pool serves no query until it runs
    /// (`RuntimeOptions.open` starts it in the background).
    public static func runtime(
        _ configuration: GatewayConfiguration, time: any TimeSource = SystemTime()
    ) throws(GatewayStartupError) -> GatewayRuntime {
        let spool = SpoolLayout(root: configuration.spool.dir)
        try spool.create()
        switch configuration.store.backend {
        case .sqlite:
            let backend: SQLiteBackend
            do {
                backend = try SQLiteBackend.open(
                    path: spool.database, durability: configuration.store.durability == .full ? .full : .normal,
                    busyTimeout: configuration.store.busyTimeout, time: time)
            } catch {
                throw .storage("database \(spool.database): \(error)")
            }
            return GatewayRuntime(
                configuration: configuration, spool: spool, stores: backend.stores, time: time,
                services: [backend.service])
        case .postgres:
            let store = try postgresSettings(configuration)
            let backend: PostgresBackend
            do {
                backend = try PostgresBackend.open(store, time: time)
            } catch {
                throw .storage("database \(store.location): \(error)")
            }
            // The pool runs as the first service, so it is up before anything that writes and stops after it.
            return GatewayRuntime(
                configuration: configuration, spool: spool, stores: backend.stores, time: time,
                services: backend.services)
        }
    }

    /// Checks what the config loader cannot, since only the backend reads it: with PostgreSQL, the URL's form and TLS
    /// parameters (`sslmode`, a readable `sslrootcert`). Connects to nothing; `config check` runs it.
    public static func checkStoreSettings(_ configuration: GatewayConfiguration) throws(GatewayStartupError) {
        guard configuration.store.backend == .postgres else { return }
        _ = try postgresSettings(configuration)
    }

    /// `store.postgres_url` and the pool's settings as the backend reads them. A URL ocgate cannot use (its form, its
    /// sslmode, an unreadable sslrootcert) is the operator's to fix before anything connects; its message names the
    /// parameter.
    static func postgresSettings(
        _ configuration: GatewayConfiguration
    ) throws(GatewayStartupError) -> PostgresStoreConfiguration {
        // Validation requires the URL with this backend; the message never carries the URL (it holds a password).
        guard let url = configuration.store.postgresURL else {
            throw .storage("store.postgres_url is required when store.backend is \"postgres\"")
        }
        do {
            return try PostgresStoreConfiguration(
                url: url, poolSize: configuration.store.poolSize, statementTimeout: configuration.store.statementTimeout)
        } catch {
            throw .configuration("\(error)")
        }
    }

    /// A whole gateway process: the storage, the gateway's identity (its key file), the peer directory of
    /// `registry.*` over the outbound policy, the configured payment backend, and one outbound client.
    /// - Parameters:
    ///   - slots: the jobs a worker of this process runs at once (default `workers.concurrency`); the client holds a
    ///     connection for each (64 at least), so deliveries never wait for one another slot's slow MG holds.
    public static func gateway(
        _ configuration: GatewayConfiguration, time: any TimeSource = SystemTime(), slots: Int? = nil, logger: Logger
    ) throws(GatewayStartupError) -> Gateway {
        let runtime = try runtime(configuration, time: time)
        let identity = try GatewayIdentity(configuration: configuration)
        let slots = slots ?? configuration.workers.concurrency
        let client = MetadataDirectory.outboundClient(configuration.outbound, maxConnections: max(64, slots), logger: logger)
        let directory = try Self.peers(of: runtime, client: client, logger: logger)
        let payments = PaymentBackends.make(
            configuration: configuration.payment, stores: runtime.stores, client: client, time: time, logger: logger)
        let page = CheckoutPageAddress(publicURL: identity.publicURL)
        return Gateway(
            runtime: runtime, identity: identity, peers: directory, payments: payments, client: client, slots: slots,
            checkoutURL: { page.url(sessionID: $0) })
    }

    /// The peer directory of `registry.*` over the outbound policy, its cache backed by `runtime`'s peer documents.
    /// - Parameter client: the process's outbound client; a new one by default (a command that only resolves peers).
    public static func peers(
        of runtime: GatewayRuntime, client: OutboundClient? = nil, logger: Logger
    ) throws(GatewayStartupError) -> MetadataDirectory {
        let configuration = runtime.configuration
        do {
            return try MetadataDirectory(
                configuration: configuration,
                client: client ?? MetadataDirectory.outboundClient(configuration.outbound, logger: logger),
                documents: runtime.stores.peerDocuments, time: runtime.time, logger: logger)
        } catch {
            throw .configuration(error.description)
        }
    }
}
