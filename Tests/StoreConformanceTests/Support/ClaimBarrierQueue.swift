import Foundation
import GatewayStore

/// A job queue that holds each worker's first claim until `workers` different workers have made theirs: a caller
/// that runs that many loops at once passes, one that runs them one after another waits until its test is cancelled
/// (by the test's `.timeLimit`) and then fails. No clock of its own. Everything else goes to `base`.
///
/// `@unchecked Sendable`: `arrived` and `waiting` are only touched under `lock`.
final class ClaimBarrierQueue: JobQueue, @unchecked Sendable {
    struct NotConcurrent: Error {}

    private let base: any JobQueue
    private let workers: Int
    private let lock = NSLock()
    private var arrived: Set<String> = []
    private var waiting: [CheckedContinuation<Bool, Never>] = []

    init(_ base: any JobQueue, workers: Int) {
        (self.base, self.workers) = (base, workers)
    }

    /// The workers whose first claim arrived.
    var arrivedWorkers: Set<String> { lock.withLock { arrived } }

    func claim(kinds: Set<String>, limit: Int, worker: String, lease: Duration) async throws -> [ClaimedJob] {
        try await passBarrier(worker)
        return try await base.claim(kinds: kinds, limit: limit, worker: worker, lease: lease)
    }

    /// Returns at once for a worker's later claims and for the first claim that completes the set; waits otherwise.
    /// - Throws: `NotConcurrent` when the wait is cancelled before the set is complete.
    private func passBarrier(_ worker: String) async throws {
        let (first, complete) = lock.withLock { (arrived.insert(worker).inserted, arrived.count >= workers) }
        guard first else { return }
        guard !complete else {
            release(passing: true)
            return
        }
        let passed = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                // Under the lock, so a cancellation either finds this continuation waiting or is seen here.
                let answer: Bool? = lock.withLock {
                    if arrived.count >= workers { return true }
                    if Task.isCancelled { return false }
                    waiting.append(continuation)
                    return nil
                }
                if let answer { continuation.resume(returning: answer) }
            }
        } onCancel: {
            release(passing: false)
        }
        guard passed else { throw NotConcurrent() }
    }

    /// Resumes every waiting claim, each exactly once (it leaves `waiting` under the lock).
    private func release(passing: Bool) {
        let released = lock.withLock {
            defer { waiting = [] }
            return waiting
        }
        for continuation in released { continuation.resume(returning: passing) }
    }

    func enqueue(_ jobs: [NewJob]) async throws -> [EnqueueResult] { try await base.enqueue(jobs) }
    func heartbeat(_ jobs: [ClaimedJob], lease: Duration) async throws -> [Bool] {
        try await base.heartbeat(jobs, lease: lease)
    }
    func finish(_ finishes: [JobFinish]) async throws -> [Bool] { try await base.finish(finishes) }
    func cancel(id: Int64) async throws { try await base.cancel(id: id) }
    func retry(id: Int64) async throws { try await base.retry(id: id) }
    func retry(matching filter: JobFilter) async throws -> Int { try await base.retry(matching: filter) }
    func cancel(matching filter: JobFilter) async throws -> Int { try await base.cancel(matching: filter) }
    func count(matching filter: JobFilter) async throws -> Int { try await base.count(matching: filter) }
    func prune(olderThan age: Duration) async throws -> Int { try await base.prune(olderThan: age) }
    func list(_ filter: JobFilter) async throws -> [Job] { try await base.list(filter) }
    func jobs(uniqueKeys: [String]) async throws -> [Job] { try await base.jobs(uniqueKeys: uniqueKeys) }
    func show(id: Int64) async throws -> JobDetail? { try await base.show(id: id) }
    func stats(registeredKinds: Set<String>) async throws -> JobStats { try await base.stats(registeredKinds: registeredKinds) }
    func setDraining(_ draining: Bool) async throws { try await base.setDraining(draining) }
    func isDraining() async throws -> Bool { try await base.isDraining() }
    func pendingWork(excludingKinds: Set<String>) async throws -> Int {
        try await base.pendingWork(excludingKinds: excludingKinds)
    }
    var notifier: JobNotifier { base.notifier }
}
