import Foundation
import GatewayStore

/// A clock that only moves when a test moves it.
///
/// Safe as `@unchecked Sendable`: the one mutable field is read and written under `lock`.
public final class ManualTime: TimeSource, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    /// Starts the clock at `start` (a fixed instant by default, so tests are repeatable).
    public init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        current = start
    }

    public func now() -> Date {
        lock.withLock { current }
    }

    /// Moves the clock forward by `duration`.
    public func advance(by duration: Duration) {
        lock.withLock { current = current.adding(duration) }
    }

    /// Sets the clock to `date`.
    public func set(_ date: Date) {
        lock.withLock { current = date }
    }
}
