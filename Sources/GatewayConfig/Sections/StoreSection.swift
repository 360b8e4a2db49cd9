/// How hard the store works to keep a committed transaction through a power loss.
public enum Durability: String, Sendable, Equatable, CaseIterable {
    /// Every commit is synced: an answered checkout survives power loss.
    case full
    /// Faster commits; the last transactions may be lost on power loss (never on a process crash).
    case normal
}

/// Which database holds the queue and the state.
public enum StoreBackend: String, Sendable, Equatable, CaseIterable {
    /// Embedded: `spool/ocgate.db`, one host.
    case sqlite
    /// A PostgreSQL server (`store.postgres_url`): acceptors and workers on many hosts share it.
    case postgres
}

/// `[store]`: the database behind the queue and the state.
public struct StoreSection: Sendable, Equatable {
    /// Which database (`sqlite`, the embedded default, or `postgres`).
    public var backend: StoreBackend
    /// Whether commits are synced to disk before a checkout is answered (SQLite; PostgreSQL follows its server's
    /// `synchronous_commit`).
    public var durability: Durability
    /// How long a write waits for another process's lock before failing (SQLite).
    public var busyTimeout: Duration
    /// `postgres://user:password@host:5432/database?sslmode=disable` (backend `postgres` only). A secret: it holds
    /// the password, so listings and logs show it redacted.
    public var postgresURL: String?
    /// Connections each process may open to PostgreSQL at once.
    public var poolSize: Int
    /// PostgreSQL cancels a statement that runs longer than this.
    public var statementTimeout: Duration

    /// Makes a section with the documented defaults.
    public init(
        backend: StoreBackend = .sqlite, durability: Durability = .full, busyTimeout: Duration = .seconds(5),
        postgresURL: String? = nil, poolSize: Int = 10, statementTimeout: Duration = .seconds(30)
    ) {
        self.backend = backend
        self.durability = durability
        self.busyTimeout = busyTimeout
        self.postgresURL = postgresURL
        self.poolSize = poolSize
        self.statementTimeout = statementTimeout
    }
}

extension StoreSection: ConfigSection {
    static let name = "store"
    static var unread: Self { Self() }
    static var fields: [ConfigField<Self>] {
        [
            .value("backend", \.backend, .choice),
            .value("durability", \.durability, .choice),
            .value("busy_timeout", \.busyTimeout, .duration),
            .optional("postgres_url", \.postgresURL, .nonEmptyText, secret: true),
            .value("pool_size", \.poolSize, ValueFormat.integer.checked("an integer >= 1") { $0 >= 1 }),
            // Whole milliseconds up to PostgreSQL's limit (an int of ms): below 1 ms the SET would read 0, no timeout
            // at all, and above the limit every connection's SET would fail at run time instead of at startup.
            .value(
                "statement_timeout", \.statementTimeout,
                ValueFormat.duration.checked("a duration from 1ms to 24d, like 30s or 5m") {
                    $0 >= .milliseconds(1) && $0 <= .milliseconds(Int64(Int32.max))
                }),
        ]
    }

    func validate(in settings: SettingsInput) throws(ConfigError) {
        guard backend == .postgres, postgresURL == nil else { return }
        throw settings.missing("store.postgres_url", problem: "required when store.backend is \"postgres\"")
    }
}
