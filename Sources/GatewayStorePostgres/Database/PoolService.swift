import Foundation
import PostgresNIO
import ServiceLifecycle

/// The connection pool as the process's service. Queries wait (`ready`) until the pool runs, so a one-shot command
/// that starts it in the background, or a test, never leases from a pool that has not started; PostgresNIO would
/// wait too, but warns about it.
final class PoolService: Service, @unchecked Sendable {
    private let client: PostgresClient
    private let lock = NSLock()
    /// Guarded by `lock`. nil until `run` or `fail`.
    private var outcome: Result<Void, any Error>?
    /// Guarded by `lock`.
    private var waiters: [CheckedContinuation<Void, any Error>] = []

    init(client: PostgresClient) {
        self.client = client
    }

    func run() async throws {
        settle(.success(()))
        // Straight on into the pool's run, which marks it running before it first suspends: the queries just woken
        // resume on other threads after that.
        await client.run()
    }

    /// The pool will never run (what it was to serve could not be prepared): queries waiting for it, and any later
    /// one, throw `error` instead of waiting for ever.
    func fail(_ error: any Error) {
        settle(.failure(error))
    }

    /// Returns once `run` was called; throws what `fail` was given if that came first.
    func ready() async throws {
        if let outcome = lock.withLock({ outcome }) { return try outcome.get() }
        try await withCheckedThrowingContinuation { continuation in
            let now: Result<Void, any Error>? = lock.withLock {
                if let outcome { return outcome }
                waiters.append(continuation)
                return nil
            }
            if let now { continuation.resume(with: now) }
        }
    }

    /// Records the first outcome and wakes everyone waiting with it.
    private func settle(_ result: Result<Void, any Error>) {
        let woken: [CheckedContinuation<Void, any Error>] = lock.withLock {
            guard outcome == nil else { return [] }
            outcome = result
            defer { waiters = [] }
            return waiters
        }
        woken.forEach { $0.resume(with: result) }
    }
}
