import Foundation
import GatewayStore

/// The spool's drain flag as the acceptor's early check sees it: "not draining" is remembered for up to a
/// second, so a busy acceptor does not read the flag per request. It only saves work: a checkout let through on a
/// stale "not draining" is still refused by the session store, which reads the flag in the transaction that would
/// store it. "Draining" is never remembered, so after `ocgate jobs resume` the next request sees the flag lifted.
///
/// `@unchecked Sendable`: the cached value and its time are only touched under `lock`.
public final class DrainState: @unchecked Sendable {
    private let queue: any JobQueue
    private let time: any TimeSource
    private let lock = NSLock()
    private var cached: (value: Bool, readAt: Date)?

    public init(queue: any JobQueue, time: any TimeSource) {
        self.queue = queue
        self.time = time
    }

    public func isDraining() async -> Bool {
        let now = time.now()
        if let cached = lock.withLock({ cached }), !cached.value, now.timeIntervalSince(cached.readAt) < 1 { return false }
        // A failed read counts as draining: refusing work is safer than accepting it blind.
        let value = (try? await queue.isDraining()) ?? true
        lock.withLock { cached = (value, now) }
        return value
    }
}
