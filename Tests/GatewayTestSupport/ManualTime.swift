import Foundation
import GatewayStore

/// A clock that only moves when a test moves it; its sleepers wake when it passes their deadline.
///
/// Safe as `@unchecked Sendable`: `current`, `sleepers` and `nextSleeper` are only touched under `lock`, and a
/// sleeper's continuation is removed under the lock before it is resumed, so it is resumed once.
public final class ManualTime: TimeSource, @unchecked Sendable {
    private struct Sleeper {
        let deadline: Date
        let continuation: CheckedContinuation<Void, any Error>
    }

    private let lock = NSLock()
    private var current: Date
    private var sleepers: [UInt64: Sleeper] = [:]
    private var nextSleeper: UInt64 = 0

    /// Starts the clock at `start` (a fixed instant by default, so tests are repeatable).
    public init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        current = start
    }

    public func now() -> Date {
        lock.withLock { current }
    }

    /// How many tasks are sleeping on this clock: a test can await a timer being armed before it moves the clock.
    public var sleeping: Int {
        lock.withLock { sleepers.count }
    }

    public func sleep(until deadline: Date) async throws {
        let id: UInt64 = lock.withLock {
            nextSleeper += 1
            return nextSleeper
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: Result<Void, any Error>? = lock.withLock {
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if deadline <= current { return .success(()) }
                    sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            lock.withLock { sleepers.removeValue(forKey: id) }?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock forward by `duration`.
    public func advance(by duration: Duration) {
        move { $0.adding(duration) }
    }

    /// Sets the clock to `date`.
    public func set(_ date: Date) {
        move { _ in date }
    }

    private func move(_ change: (Date) -> Date) {
        let due: [Sleeper] = lock.withLock {
            current = change(current)
            let due = sleepers.filter { $0.value.deadline <= current }
            due.keys.forEach { sleepers.removeValue(forKey: $0) }
            return Array(due.values)
        }
        due.forEach { $0.continuation.resume() }
    }
}
