import Foundation

/// The durable job queue, independent of the database behind it.
///
/// Guarantees every backend keeps, also with workers in several processes on several hosts:
/// - A unique key exists once (until pruned): enqueueing it again, concurrently or later, yields the existing job's
///   id; the check is a unique constraint, never a read-then-write.
/// - A job is claimed by one worker at a time: a claim is atomic, and a job is claimable again only when its lease
///   lapsed (it is then rescued, its lost attempt logged).
/// - Every transition of a claimed job (heartbeat, finish) is fenced by the lease token `(id, worker, attempt)`: a
///   worker that lost its lease, and whose job another worker took, cannot change the newer outcome.
/// - Jobs that a store operation enqueues (a session's first job, a proof's delivery) commit atomically with that
///   operation's rows: the operation takes them as `NewJob` values.
public protocol JobQueue: Sendable {
    /// Adds jobs in one transaction; a taken unique key yields the existing job's id.
    func enqueue(_ jobs: [NewJob]) async throws -> [EnqueueResult]
    /// Claims up to `limit` runnable jobs of `kinds`, oldest by (priority, run_at, id), under a lease held
    /// by `worker`; jobs whose lease lapsed are rescued first.
    func claim(kinds: Set<String>, limit: Int, worker: String, lease: Duration) async throws -> [ClaimedJob]
    /// Extends held leases in one transaction; each result is false if that worker lost it (the lease lapsed
    /// and the job was rescued), true if renewed or if that attempt already ended the job itself.
    func heartbeat(_ jobs: [ClaimedJob], lease: Duration) async throws -> [Bool]
    /// Ends attempts in one transaction; each result is false if that worker had lost its lease.
    func finish(_ finishes: [JobFinish]) async throws -> [Bool]

    /// Cancels a queued (or scheduled) job; a running job is refused with an error naming it.
    func cancel(id: Int64) async throws
    /// Requeues a dead or cancelled job now with a fresh retry budget; attempt count and history are kept.
    func retry(id: Int64) async throws
    /// Requeues every dead or cancelled job matching `filter` (its state must be one of them or nil), in one
    /// atomic operation; returns how many.
    func retry(matching filter: JobFilter) async throws -> Int
    /// Cancels every queued job matching `filter` (its state must be `queued` or nil), in one atomic operation;
    /// running jobs are left alone. Returns how many.
    func cancel(matching filter: JobFilter) async throws -> Int
    /// How many jobs match `filter` (its `beforeID` and `limit` ignored): what a bulk action would cover.
    func count(matching filter: JobFilter) async throws -> Int
    /// Deletes succeeded and cancelled jobs (and their attempts) finished more than `age` ago, at most
    /// `MaintenanceBatches.size` jobs per transaction. Returns how many.
    func prune(olderThan age: Duration) async throws -> Int
    /// Jobs matching `filter`, newest (greatest id) first. A page of a listing over millions of jobs stays fast:
    /// every filter but `errorContains` is served by an index, and `beforeID` continues where a page ended.
    func list(_ filter: JobFilter) async throws -> [Job]
    /// The jobs holding these unique keys, oldest first (the keys come from the job contracts).
    func jobs(uniqueKeys: [String]) async throws -> [Job]
    /// A job and its attempts, or nil.
    func show(id: Int64) async throws -> JobDetail?
    /// Counts for operators; `registeredKinds` finds kinds that no handler runs.
    func stats(registeredKinds: Set<String>) async throws -> JobStats

    /// Sets the shared drain flag. Once it returns, every `CheckoutSessionStore.create` in any process sees the new
    /// value (it reads the flag in its own atomic operation).
    func setDraining(_ draining: Bool) async throws
    func isDraining() async throws -> Bool
    /// Running jobs of every kind plus queued jobs runnable now, except queued ones of `excludingKinds` (recurring
    /// maintenance, which the schedule keeps enqueueing). A running maintenance job counts: an `inbox.ingest` run
    /// that started before a drain may still be answering a file, and a drain waits for it.
    func pendingWork(excludingKinds: Set<String>) async throws -> Int

    /// Wakes this process's workers when this process enqueues.
    var notifier: JobNotifier { get }
}

extension JobQueue {
    /// Enqueues one job.
    public func enqueue(_ job: NewJob) async throws -> EnqueueResult {
        try await enqueue([job])[0]
    }

    /// Extends one held lease; false if the worker no longer holds it.
    public func heartbeat(_ job: ClaimedJob, lease: Duration) async throws -> Bool {
        try await heartbeat([job], lease: lease)[0]
    }

    /// Ends one attempt; false if the worker had lost its lease.
    public func finish(_ job: ClaimedJob, _ transition: JobTransition) async throws -> Bool {
        try await finish([JobFinish(job, transition)])[0]
    }
}
