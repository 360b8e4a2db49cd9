import GatewayConfig
import GatewayStore
import Logging

/// The one place where job kinds meet their handlers. Later steps of the flow (proof.issue, callback.deliver,
/// settle.run) register here too.
public enum GatewayJobs {
    /// The `prune` maintenance job's kind.
    public static let pruneKind = "prune"
    /// How long finished jobs are kept by the daily prune.
    public static let pruneRetention: Duration = .seconds(7 * 86_400)

    /// The kinds `registry` handles, for commands that only report on the queue (`jobs stats`).
    public static let kinds: Set<String> = [
        InboxIngest.kind, pruneKind, SessionOpening.kind, PaymentPolling.kind, SessionExpiry.kind,
    ]

    /// Every handler this build runs, bound to `runtime`'s spool and queue.
    public static func registry(
        _ runtime: GatewayRuntime, validator: any CheckoutValidator, logger: Logger
    ) -> JobRegistry {
        var registry = JobRegistry()
        registry.register(
            InboxIngest.kind,
            handler: InboxIngest(
                spool: runtime.spool, queue: runtime.queue, validator: validator,
                bodyLimit: runtime.configuration.http.bodyLimit, logger: logger))
        let queue = runtime.queue
        registry.register(pruneKind) { _ in
            let pruned = try await queue.prune(olderThan: pruneRetention)
            return .succeeded(note: "pruned \(pruned) jobs")
        }
        let sessions = CheckoutSessionStore(database: runtime.database, queue: queue)
        registry.register(
            SessionOpening.kind,
            handler: SessionOpening(sessions: sessions, peers: peerDirectory(runtime, logger: logger), logger: logger))
        // The sandbox is the only backend so far, as on the hosted page; its charges live in the database.
        registry.register(
            PaymentPolling.kind, policy: PaymentPolling.retryPolicy,
            handler: PaymentPolling(
                sessions: sessions, backend: SandboxBackend(sessions: sessions, time: runtime.time), time: runtime.time,
                logger: logger))
        registry.register(SessionExpiry.kind, handler: SessionExpiry(sessions: sessions, time: runtime.time))
        return registry
    }

    /// The metadata directory of `registry.*`, sharing the database cache with the acceptor. A registry the
    /// configuration cannot load (the acceptor refuses to start on it too) leaves an empty directory, so
    /// `session.open` retries and the page falls back to the merchant's OCID.
    private static func peerDirectory(_ runtime: GatewayRuntime, logger: Logger) -> any PeerDirectory {
        let configuration = runtime.configuration
        do {
            return try MetadataDirectory(
                configuration: configuration, client: MetadataDirectory.outboundClient(configuration.outbound, logger: logger),
                database: runtime.database, time: runtime.time, logger: logger)
        } catch {
            logger.error("session.open cannot resolve merchants", metadata: ["problem": "\(error)"])
            return InlinePeerDirectory([])
        }
    }

    /// The maintenance jobs enqueued on a schedule: inbox polling, the daily prune and the session expiry sweep.
    public static let recurring: [RecurringJob] = [
        RecurringJob(name: "inbox", kind: InboxIngest.kind, every: .seconds(2)),
        RecurringJob(name: "prune", kind: pruneKind, every: .seconds(86_400)),
        RecurringJob(name: "session.expire", kind: SessionExpiry.kind, every: SessionExpiry.period),
    ]

    /// Kinds a drain does not wait for: the schedule keeps enqueueing them.
    public static var maintenanceKinds: Set<String> { Set(recurring.map(\.kind)) }

    /// The scheduler for `recurring`, run next to the workers.
    public static func scheduler(_ runtime: GatewayRuntime, logger: Logger) -> RecurringScheduler {
        RecurringScheduler(jobs: recurring, queue: runtime.queue, logger: logger)
    }
}
