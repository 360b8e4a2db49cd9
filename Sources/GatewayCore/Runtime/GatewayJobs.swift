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
        ProofIssuer.kind, ProofDelivery.kind, StatementNotify.kind,
    ]

    /// Every handler this build runs, bound to `gateway`'s stores, peers, payment backend and client. Inbox files
    /// are judged by `acceptor`.
    public static func registry(_ gateway: Gateway, acceptor: CheckoutAcceptor, logger: Logger) -> JobRegistry {
        let runtime = gateway.runtime
        let stores = runtime.stores
        var registry = JobRegistry()
        registry.register(
            InboxIngest.kind,
            handler: InboxIngest(
                spool: runtime.spool, queue: stores.jobs, validator: acceptor,
                bodyLimit: runtime.configuration.http.bodyLimit, logger: logger))
        let queue = stores.jobs
        let workers = runtime.configuration.workers
        registry.register(pruneKind) { _ in
            let pruned = try await queue.prune(olderThan: workers.jobRetention)
            return .swept(pruned, note: "pruned \(pruned) jobs")
        }
        let nonces = stores.nonces
        registry.register(noncePruneKind) { _ in
            let pruned = try await nonces.prune()
            return .swept(pruned, note: "pruned \(pruned) nonces")
        }
        let documents = stores.peerDocuments
        let time = runtime.time
        registry.register(peerPruneKind) { _ in
            let cutOff = time.now().addingTimeInterval(-workers.peerRetention.timeInterval)
            let pruned = try await documents.prune(fetchedBefore: cutOff)
            return .swept(pruned, note: "pruned \(pruned) peer documents")
        }
        registry.register(
            SessionOpening.kind, handler: SessionOpening(sessions: stores.sessions, peers: gateway.peers, logger: logger))
        registry.register(
            PaymentPolling.kind, policy: PaymentPolling.retryPolicy,
            handler: PaymentPolling(
                sessions: stores.sessions, charges: stores.charges, backend: gateway.payments, time: runtime.time,
                logger: logger))
        registry.register(SessionExpiry.kind, handler: SessionExpiry(sessions: stores.sessions, time: runtime.time))
        registerProofs(into: &registry, gateway: gateway, logger: logger)
        return registry
    }

    /// Registers `proof.issue`, `callback.deliver` and `settle.notify` (the deliveries with the `[delivery]` retry
    /// policy), signed by `gateway`'s identity and sent with its client.
    public static func registerProofs(into registry: inout JobRegistry, gateway: Gateway, logger: Logger) {
        let stores = gateway.stores
        let delivery = gateway.configuration.delivery
        let time = gateway.time
        registry.register(
            ProofIssuer.kind,
            handler: ProofIssuer(identity: gateway.identity, proofs: stores.proofs, time: time, logger: logger))
        registry.register(
            ProofDelivery.kind, policy: delivery.retryPolicy,
            handler: ProofDelivery(
                identity: gateway.identity, proofs: stores.proofs, deliveries: stores.deliveries, peers: gateway.peers,
                client: gateway.client, settings: delivery, time: time, logger: logger))
        registry.register(
            StatementNotify.kind, policy: delivery.retryPolicy,
            handler: StatementNotify(
                identity: gateway.identity, statements: stores.settlement, client: gateway.client,
                urls: gateway.configuration.settlement, settings: delivery, time: time, logger: logger))
    }

    /// The maintenance jobs enqueued on the schedule of `[workers]`: inbox polling (only in a period that finds a
    /// file in `spool`'s `inbox/new/`), the prunes of jobs, nonces and peer metadata, and the session expiry sweep.
    public static func recurring(_ workers: WorkersSection, spool: SpoolLayout) -> [RecurringJob] {
        [
            RecurringJob(
                name: "inbox", kind: InboxIngest.kind, every: workers.inboxPollEvery,
                hasWork: { InboxIngest.hasWaitingFiles(in: spool) }),
            RecurringJob(name: "prune", kind: pruneKind, every: workers.jobPruneEvery),
            RecurringJob(name: "nonces", kind: noncePruneKind, every: workers.noncePruneEvery),
            RecurringJob(name: "peers", kind: peerPruneKind, every: workers.peerPruneEvery),
            RecurringJob(name: "session.expire", kind: SessionExpiry.kind, every: workers.sessionExpireEvery),
        ]
    }

    /// Kinds a drain does not wait for: the schedule keeps enqueueing them.
    public static let maintenanceKinds: Set<String> = [
        InboxIngest.kind, pruneKind, noncePruneKind, peerPruneKind, SessionExpiry.kind,
    ]

    /// The scheduler for `recurring`, run next to the workers.
    public static func scheduler(_ runtime: GatewayRuntime, logger: Logger) -> RecurringScheduler {
        RecurringScheduler(
            jobs: recurring(runtime.configuration.workers, spool: runtime.spool), queue: runtime.stores.jobs,
            time: runtime.time, logger: logger)
    }
}
