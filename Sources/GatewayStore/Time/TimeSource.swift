import Foundation

/// Where every component of ocgate reads the current time and waits for a later one, so tests can move time by
/// hand and every timer that decides an outcome (retries, leases, heartbeats, handler timeouts, recurring periods)
/// follows them.
public protocol TimeSource: Sendable {
    /// The current instant.
    func now() -> Date

    /// Returns once `now()` has reached `deadline`; throws `CancellationError` if the task is cancelled first.
    func sleep(until deadline: Date) async throws
}

extension TimeSource {
    /// Waits on the wall clock: right for any source that follows it.
    public func sleep(until deadline: Date) async throws {
        let wait = deadline.timeIntervalSince(now())
        try Task.checkCancellation()
        guard wait > 0 else { return }
        try await Task.sleep(for: .seconds(wait))
    }

    /// Returns once `duration` has passed on this source's clock.
    public func sleep(for duration: Duration) async throws {
        try await sleep(until: now().adding(duration))
    }
}

/// The wall clock.
public struct SystemTime: TimeSource {
    public init() {}

    public func now() -> Date { Date() }
}
