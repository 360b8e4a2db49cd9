import Foundation

/// A level-triggered wake-up: a waiter that read `generation` before looking for work returns at once if
/// anything signalled since, so a signal between "found nothing" and "wait" is never lost.
///
/// Safe as `@unchecked Sendable`: `count` and `waiters` are only touched under `lock`, and a continuation
/// is removed from `waiters` under the lock before it is resumed, so it is resumed exactly once.
public final class WakeSignal: @unchecked Sendable {
    private enum Waiter {
        case pending
        case waiting(CheckedContinuation<Void, Never>)
        /// The wait ended (timeout) before its continuation was registered.
        case over
    }

    private let lock = NSLock()
    private var count: UInt64 = 0
    private var nextWaiter: UInt64 = 0
    private var waiters: [UInt64: Waiter] = [:]

    public init() {}

    /// Increases with every signal.
    public var generation: UInt64 {
        lock.withLock { count }
    }

    /// Wakes every current waiter.
    public func signal() {
        let woken: [CheckedContinuation<Void, Never>] = lock.withLock {
            count += 1
            var woken: [CheckedContinuation<Void, Never>] = []
            for (id, waiter) in waiters {
                if case let .waiting(continuation) = waiter {
                    woken.append(continuation)
                    waiters.removeValue(forKey: id)
                }
            }
            return woken
        }
        woken.forEach { $0.resume() }
    }

    /// Returns when a signal arrives after `generation` was read, when `timeout` passes, or on cancellation.
    public func wait(since generation: UInt64, timeout: Duration) async {
        let id: UInt64 = lock.withLock {
            nextWaiter += 1
            waiters[nextWaiter] = .pending
            return nextWaiter
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask {
                await withCheckedContinuation { continuation in
                    let ready: Bool = self.lock.withLock {
                        guard case .pending = self.waiters[id], self.count == generation else {
                            self.waiters.removeValue(forKey: id)
                            return true
                        }
                        self.waiters[id] = .waiting(continuation)
                        return false
                    }
                    if ready { continuation.resume() }
                }
            }
            await group.next()
            group.cancelAll()
            self.endWait(id)
        }
    }

    private func endWait(_ id: UInt64) {
        let continuation: CheckedContinuation<Void, Never>? = lock.withLock {
            switch waiters.removeValue(forKey: id) {
            case let .waiting(continuation):
                return continuation
            case .pending:
                waiters[id] = .over
                return nil
            case .over, nil:
                return nil
            }
        }
        continuation?.resume()
    }
}
