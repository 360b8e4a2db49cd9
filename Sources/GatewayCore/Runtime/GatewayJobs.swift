import Foundation
import GatewayConfig
import GatewayOutbound
import GatewayStore
import Logging

/// The one place where job kinds meet their handlers.
public enum GatewayJobs {
    /// The `prune` maintenance job's kind: finished jobs older than `workers.job_retention` go.
    public static let pruneKind = "prune"

    /// The `nonces.prune` maintenance job's kind: request nonces older than their 600 s window go.
    public static let noncePruneKind = "nonces.prune"

    /// The `peers.prune` maintenance job's kind: cached peer metadata not refreshed for `workers.peer_retention`
    /// goes (far past the cache's 5 minutes, so a peer that calls now and then is not fetched cold after a restart).
    public static let peerPruneKind = "peers.prune"

    /// The kinds `registry` handles, for commands that only report on the queue (`jobs stats`).
    public static let kinds: Set<String> = [
        InboxIngest.kind, pruneKind, noncePruneKind, peerPruneKind, SessionOpening.kind, PaymentPolling.kind, SessionExpiry.kind,
        PaymentJobs.proofIssueKind, ProofDelivery.kind, StatementNotify.kind,
    ]

    /// Every handler this build runs, bound to `runtime`'s spool and queue. Inbox files are judged by
    /// `acceptor`, whose identity signs proofs and whose peer directory finds merchants and each MG's webhook.
    /// - Parameter slots: the jobs the worker runs at once; the handlers' outbound client holds a connection for
    ///   each (64 at least), so deliveries never wait for a connection another slot's slow MG holds.
    public static func registry(
        _ runtime: GatewayRuntime, acceptor: CheckoutAcceptor, slots: Int = 64, logger: Logger
    ) -> JobRegistry {
        var registry = JobRegistry()
        registry.register(
            InboxIngest.kind,
            handler: InboxIngest(
                spool: runtime.spool, queue: runtime.queue, validator: acceptor,
                bodyLimit: runtime.configuration.http.bodyLimit, logger: logger))
        let queue = runtime.queue
        let workers = runtime.configuration.workers
        registry.register(pruneKind) { _ in
            let pruned = try await queue.prune(olderThan: workers.jobRetention)
            return .succeeded(note: "pruned \(pruned) jobs")
        }
        let nonces = NonceStore(database: runtime.database, time: runtime.time)
        registry.register(noncePruneKind) { _ in
            .succeeded(note: "pruned \(try await nonces.prune()) nonces")
        }
        let documents = PeerDocumentStore(database: runtime.database)
        let time = runtime.time
        registry.register(peerPruneKind) { _ in
            let cutOff = time.now().addingTimeInterval(-workers.peerRetention.timeInterval)
            return .succeeded(note: "pruned \(try await documents.prune(fetchedBefore: cutOff)) peer documents")
        }
        let sessions = CheckoutSessionStore(database: runtime.database, queue: queue)
        registry.register(
            SessionOpening.kind, handler: SessionOpening(sessions: sessions, peers: acceptor.peers, logger: logger))
        let client = MetadataDirectory.outboundClient(
            runtime.configuration.outbound, maxConnections: max(64, slots), logger: logger)
        // The same choice as the hosted page's (`PaymentBackends.make`), so a poll asks the backend that started the charge.
        let backend = PaymentBackends.make(
            configuration: runtime.configuration.payment, sessions: sessions, client: client, time: runtime.time,
            logger: logger)
        registry.register(
            PaymentPolling.kind, policy: PaymentPolling.retryPolicy,
            handler: PaymentPolling(sessions: sessions, backend: backend, time: runtime.time, logger: logger))
        registry.register(SessionExpiry.kind, handler: SessionExpiry(sessions: sessions, time: runtime.time))
        registerProofs(
            into: &registry, runtime: runtime, identity: acceptor.identity, peers: acceptor.peers, client: client,
            logger: logger)
        return registry
    }

    /// Registers `proof.issue`, `callback.deliver` and `settle.notify` (the deliveries with the `[delivery]` retry
    /// policy).
    /// - Parameters:
    ///   - identity: the gateway that signs proofs and delivery requests.
    ///   - peers: resolves each MG's webhook endpoint and keys.
    ///   - client: the process's shared outbound client.
    public static func registerProofs(
        into registry: inout JobRegistry, runtime: GatewayRuntime, identity: GatewayIdentity, peers: any PeerDirectory,
        client: OutboundClient, logger: Logger
    ) {
        let proofs = ProofStore(database: runtime.database, queue: runtime.queue)
        let delivery = runtime.configuration.delivery
        registry.register(
            PaymentJobs.proofIssueKind,
            handler: ProofIssuer(identity: identity, proofs: proofs, time: runtime.time, logger: logger))
        registry.register(
            ProofDelivery.kind, policy: ProofDelivery.retryPolicy(delivery),
            handler: ProofDelivery(
                identity: identity, proofs: proofs, peers: peers, client: client, settings: delivery, time: runtime.time,
                logger: logger))
        registry.register(
            StatementNotify.kind, policy: ProofDelivery.retryPolicy(delivery),
            handler: StatementNotify(
                identity: identity, statements: SettlementStore(database: runtime.database, queue: runtime.queue),
                client: client, urls: runtime.configuration.settlement, settings: delivery, time: runtime.time,
                logger: logger))
    }

    /// The maintenance jobs enqueued on the schedule of `[workers]`: inbox polling, the prunes of jobs, nonces and
    /// peer metadata, and the session expiry sweep.
    public static func recurring(_ workers: WorkersSection) -> [RecurringJob] {
        [
            RecurringJob(name: "inbox", kind: InboxIngest.kind, every: workers.inboxPollEvery),
            RecurringJob(name: "prune", kind: pruneKind, every: workers.jobPruneEvery),
            RecurringJob(name: "nonces", kind: noncePruneKind, every: workers.noncePruneEvery),
            RecurringJob(name: "peers", kind: peerPruneKind, every: workers.peerPruneEvery),
            RecurringJob(name: "session.expire", kind: SessionExpiry.kind, every: workers.sessionExpireEvery),
        ]
    }

    /// Kinds a drain does not wait for: the schedule keeps enqueueing them.
    public static var maintenanceKinds: Set<String> { Set(recurring(WorkersSection()).map(\.kind)) }

    /// The scheduler for `recurring`, run next to the workers.
    public static func scheduler(_ runtime: GatewayRuntime, logger: Logger) -> RecurringScheduler {
        RecurringScheduler(jobs: recurring(runtime.configuration.workers), queue: runtime.queue, logger: logger)
    }
}
