import Foundation

/// Holds whoever waits on it until a test opens it: a handler that runs exactly as long as the test needs, instead of
/// a sleep that a slow machine outlasts.
///
/// Safe as `@unchecked Sendable`: `isOpen` and `waiters` are only touched under `lock`, and the waiters are taken out
/// under the lock before they are resumed, so each is resumed once.
public final class Gate: @unchecked Sendable {
    private let lock = NSLock()
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public init() {}

    /// Returns once the gate is open.
    public func wait() async {
        await withCheckedContinuation { continuation in
            let open = lock.withLock {
                if !isOpen { waiters.append(continuation) }
                return isOpen
            }
            if open { continuation.resume() }
        }
    }

    /// Lets every waiter through, now and later.
    public func open() {
        let waiting = lock.withLock {
            isOpen = true
            defer { waiters = [] }
            return waiters
        }
        waiting.forEach { $0.resume() }
    }
}
