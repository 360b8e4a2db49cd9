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
}

/// `[store]`: the database behind the queue and the state.
public struct StoreSection: Sendable, Equatable {
    /// Which database (`sqlite`, the embedded default).
    public var backend: StoreBackend
    /// Whether commits are synced to disk before a checkout is answered.
    public var durability: Durability
    /// How long a write waits for another process's lock before failing.
    public var busyTimeout: Duration

    /// Makes a section with the documented defaults.
    public init(backend: StoreBackend = .sqlite, durability: Durability = .full, busyTimeout: Duration = .seconds(5)) {
        self.backend = backend
        self.durability = durability
        self.busyTimeout = busyTimeout
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
        ]
    }
}
