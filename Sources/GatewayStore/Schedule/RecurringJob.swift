import Foundation

/// A job enqueued once per period (maintenance such as `session.expire`).
public struct RecurringJob: Sendable, Equatable {
    /// Names the schedule; part of each period's unique key.
    public var name: String
    public var kind: String
    public var every: Duration
    public var payload: Data

    public init(name: String, kind: String, every: Duration, payload: Data = Data("{}".utf8)) {
        precondition(every >= .milliseconds(1), "a recurring job needs a period of at least 1 ms")
        self.name = name
        self.kind = kind
        self.every = every
        self.payload = payload
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
