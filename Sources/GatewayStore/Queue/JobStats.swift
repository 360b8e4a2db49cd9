import Foundation

/// The queue at a glance (`ocgate jobs stats`).
public struct JobStats: Sendable, Equatable {
    /// Jobs per kind and state.
    public var counts: [KindState: Int]
    /// How long the oldest job runnable now has waited past its `run_at`; `nil` when none waits.
    public var oldestRunnableAge: Duration?
    /// The same age per kind, for kinds with a job runnable now (the `ocgate_job_oldest_queued_age_seconds` gauge).
    public var oldestRunnableAgeByKind: [String: Duration]
    /// Attempts started in the last hour.
    public var attemptsLastHour: Int
    public var deadCount: Int
    /// Kinds present in the table that no registered handler runs: they will never be claimed.
    public var unhandledKinds: [String]

    package init(
        counts: [KindState: Int], oldestRunnableAge: Duration?, oldestRunnableAgeByKind: [String: Duration],
        attemptsLastHour: Int, deadCount: Int, unhandledKinds: [String]
    ) {
        self.counts = counts
        self.oldestRunnableAge = oldestRunnableAge
        self.oldestRunnableAgeByKind = oldestRunnableAgeByKind
        self.attemptsLastHour = attemptsLastHour
        self.deadCount = deadCount
        self.unhandledKinds = unhandledKinds
    }

    /// A (kind, state) pair.
    public struct KindState: Sendable, Hashable {
        public var kind: String
        public var state: JobState

        public init(kind: String, state: JobState) {
            self.kind = kind
            self.state = state
        }
    }
}
