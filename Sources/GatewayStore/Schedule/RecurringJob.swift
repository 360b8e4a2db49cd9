import Foundation

/// A job enqueued once per period (maintenance such as `session.expire`).
public struct RecurringJob: Sendable, Equatable {
    /// Names the schedule; part of each period's unique key.
    public var name: String
    public var kind: String
    public var every: Duration
    public var payload: Data
    /// Asked as each period starts: false skips that period, writing nothing. For schedules that poll for work
    /// (the inbox), so an idle gateway writes no row per poll; maintenance sweeps keep the default and leave one
    /// row per period (DESIGN lesson 7).
    public var hasWork: @Sendable () -> Bool

    public init(
        name: String, kind: String, every: Duration, payload: Data = Data("{}".utf8),
        hasWork: @escaping @Sendable () -> Bool = { true }
    ) {
        precondition(every >= .milliseconds(1), "a recurring job needs a period of at least 1 ms")
        self.name = name
        self.kind = kind
        self.every = every
        self.payload = payload
        self.hasWork = hasWork
    }

    /// Equal schedules: the `hasWork` check is not compared.
    public static func == (lhs: RecurringJob, rhs: RecurringJob) -> Bool {
        (lhs.name, lhs.kind, lhs.every, lhs.payload) == (rhs.name, rhs.kind, rhs.every, rhs.payload)
    }

    /// The start of the period containing `date` (periods are aligned to 1970-01-01).
    public func periodStart(containing date: Date) -> Date {
        let period = every.millis
        let millis = date.millis
        return Date(millis: millis - ((millis % period) + period) % period)
    }

    /// `recurring:<name>:<period start in ms>`: two schedulers enqueueing one period make one job.
    public func uniqueKey(forPeriodStarting start: Date) -> String {
        "recurring:\(name):\(start.millis)"
    }
}
