import Foundation
import GatewayStore

/// The spool's drain flag as the acceptor sees it: read from the database at most once a second, so a
/// drain started by `ocgate jobs drain` in another process takes effect within a second without a
/// database read per request.
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
        if let cached = lock.withLock({ cached }), now.timeIntervalSince(cached.readAt) < 1 { return cached.value }
        // A failed read counts as draining: refusing work is safer than accepting it blind.
        let value = (try? await queue.isDraining()) ?? true
        lock.withLock { cached = (value, now) }
        return value
    }
}
