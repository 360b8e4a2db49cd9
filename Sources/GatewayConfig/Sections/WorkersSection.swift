/// `[workers]`: the job workers of `ocgate work` (and of `ocgate serve` unless `--no-workers`).
public struct WorkersSection: Sendable, Equatable {
    /// Jobs run at once per process; at least 1.
    public var concurrency: Int
    /// How often an idle worker looks for due jobs.
    public var pollInterval: Duration

    /// Makes a section with the documented defaults.
    public init(concurrency: Int = 4, pollInterval: Duration = .seconds(1)) {
        self.concurrency = concurrency
        self.pollInterval = pollInterval
    }
}

extension WorkersSection: ConfigSection {
    static let name = "workers"
    static var unread: Self { Self() }
    static var fields: [ConfigField<Self>] {
        [
            .value("concurrency", \.concurrency, ValueFormat.integer.checked("an integer >= 1") { $0 >= 1 }),
            .value("poll_interval", \.pollInterval, .positiveDuration),
        ]
    }
}
