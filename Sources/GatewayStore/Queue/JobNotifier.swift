import Foundation

/// Fans an in-process "jobs were enqueued" event out to every running worker's wake signal.
/// Jobs enqueued by other processes are found by polling instead.
///
/// Safe as `@unchecked Sendable`: `subscribers` is only touched under `lock`.
public final class JobNotifier: @unchecked Sendable {
    private let lock = NSLock()
    private var subscribers: [ObjectIdentifier: WakeSignal] = [:]

    package init() {}

    /// Starts waking `signal` on every enqueue commit.
    public func subscribe(_ signal: WakeSignal) {
        lock.withLock { subscribers[ObjectIdentifier(signal)] = signal }
    }

    /// Stops waking `signal`.
    public func unsubscribe(_ signal: WakeSignal) {
        lock.withLock { _ = subscribers.removeValue(forKey: ObjectIdentifier(signal)) }
    }

    /// Called after a commit that enqueued jobs.
    package func jobsEnqueued() {
        let signals = lock.withLock { Array(subscribers.values) }
        signals.forEach { $0.signal() }
    }
}
