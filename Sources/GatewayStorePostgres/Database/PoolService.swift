import Foundation
import PostgresNIO
import ServiceLifecycle

/// The connection pool as the process's service. Queries wait (`ready`) until the pool runs, so a one-shot command
/// that starts it in the background, or a test, never leases from a pool that has not started; PostgresNIO would
/// wait too, but warns about it.
final class PoolService: Service, @unchecked Sendable {
    private let client: PostgresClient
    private let lock = NSLock()
    /// Guarded by `lock`.
    private var started = false
    /// Guarded by `lock`.
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(client: PostgresClient) {
        self.client = client
    }

    func run() async throws {
        let woken = lock.withLock {
            started = true
            defer { waiters = [] }
            return waiters
        }
        woken.forEach { $0.resume() }
        // Straight on into the pool's run, which marks it running before it first suspends: the queries just woken
        // resume on other threads after that.
        await client.run()
    }

    /// Returns once `run` was called.
    func ready() async {
        if lock.withLock({ started }) { return }
        await withCheckedContinuation { continuation in
            let now: Bool = lock.withLock {
                if started { return true }
                waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }
}
