import GatewayConfig
import GatewayOutbound
import GatewayStore
import Logging

/// A gateway process that talks to the outside: the runtime, the gateway's identity, and the one peer directory,
/// payment backend and outbound client of the process. The composition root (`GatewayAssembly`) builds it, so the
/// acceptor, the hosted page and the job handlers share each of them.
public struct Gateway: Sendable {
    public let runtime: GatewayRuntime
    public let identity: GatewayIdentity
    /// Resolves and caches peers' metadata (memory in front of the store's peer documents).
    public let peers: any PeerDirectory
    /// The configured payment backend: the hosted page starts charges with it, `payment.poll` asks it.
    public let payments: any PaymentBackend
    /// The process's outbound client (metadata, deliveries, the `http` payment backend).
    public let client: OutboundClient
    /// The job slots the client's connections were sized for.
    public let slots: Int
    /// The hosted page's URL of a session id (the server, which serves the page, spells its route).
    public let checkoutURL: @Sendable (String) -> String

    public init(
        runtime: GatewayRuntime, identity: GatewayIdentity, peers: any PeerDirectory, payments: any PaymentBackend,
        client: OutboundClient, slots: Int, checkoutURL: @escaping @Sendable (String) -> String
    ) {
        self.checkoutURL = checkoutURL
        self.runtime = runtime
        self.identity = identity
        self.peers = peers
        self.payments = payments
        self.client = client
        self.slots = slots
    }

    public var configuration: GatewayConfiguration { runtime.configuration }
    public var stores: GatewayStores { runtime.stores }
    public var time: any TimeSource { runtime.time }

    /// A worker for the registered job kinds, sized by `workers.*` (see `GatewayJobs.registry` for `acceptor`).
    public func worker(acceptor: CheckoutAcceptor, kinds: Set<String>? = nil, logger: Logger) -> JobWorker {
        JobWorker(
            queue: stores.jobs, registry: GatewayJobs.registry(self, acceptor: acceptor, logger: logger),
            configuration: JobWorkerConfiguration(
                concurrency: slots, kinds: kinds, pollInterval: configuration.workers.pollInterval),
            time: time, logger: logger)
    }
}
