/// `[workers]`: the job workers of `ocgate work` (and of `ocgate serve` unless `--no-workers`), and the recurring
/// maintenance jobs their scheduler enqueues.
public struct WorkersSection: Sendable, Equatable {
    /// Jobs run at once per process; at least 1.
    public var concurrency: Int
    /// How often an idle worker looks for due jobs.
    public var pollInterval: Duration
    /// How often pending sessions past their expiry are marked `expired`.
    public var sessionExpireEvery: Duration
    /// How often request nonces older than their 600 s window are deleted.
    public var noncePruneEvery: Duration
    /// How often cached peer metadata older than `peerRetention` is deleted.
    public var peerPruneEvery: Duration
    /// How long a peer's cached metadata is kept after its last fetch.
    public var peerRetention: Duration
    /// How often finished jobs older than `jobRetention` are deleted.
    public var jobPruneEvery: Duration
    /// How long succeeded and cancelled jobs (and their attempts) are kept; dead jobs are never pruned.
    public var jobRetention: Duration
    /// How often the inbox is looked at for new files.
    public var inboxPollEvery: Duration

    /// Makes a section with the documented defaults.
    public init(
        concurrency: Int = 256, pollInterval: Duration = .seconds(1), sessionExpireEvery: Duration = .seconds(30),
        noncePruneEvery: Duration = .seconds(60), peerPruneEvery: Duration = .seconds(86_400),
        peerRetention: Duration = .seconds(7 * 86_400), jobPruneEvery: Duration = .seconds(86_400),
        jobRetention: Duration = .seconds(7 * 86_400), inboxPollEvery: Duration = .seconds(2)
    ) {
        self.concurrency = concurrency
        self.pollInterval = pollInterval
        self.sessionExpireEvery = sessionExpireEvery
        self.noncePruneEvery = noncePruneEvery
        self.peerPruneEvery = peerPruneEvery
        self.peerRetention = peerRetention
        self.jobPruneEvery = jobPruneEvery
        self.jobRetention = jobRetention
        self.inboxPollEvery = inboxPollEvery
    }
}

extension WorkersSection: ConfigSection {
    static let name = "workers"
    static var unread: Self { Self() }
    static var fields: [ConfigField<Self>] {
        [
            .value("concurrency", \.concurrency, ValueFormat.integer.checked("an integer >= 1") { $0 >= 1 }),
            .value("poll_interval", \.pollInterval, .positiveDuration),
            .value("session_expire_every", \.sessionExpireEvery, .positiveDuration),
            .value("nonce_prune_every", \.noncePruneEvery, .positiveDuration),
            .value("peer_prune_every", \.peerPruneEvery, .positiveDuration),
            .value("peer_retention", \.peerRetention, .positiveDuration),
            .value("job_prune_every", \.jobPruneEvery, .positiveDuration),
            .value("job_retention", \.jobRetention, .positiveDuration),
            .value("inbox_poll_every", \.inboxPollEvery, .positiveDuration),
        ]
    }
}
