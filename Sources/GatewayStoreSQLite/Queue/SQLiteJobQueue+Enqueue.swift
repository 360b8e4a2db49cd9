import Foundation
import GRDB
import GatewayStore

extension SQLiteJobQueue {
    func enqueue(_ jobs: [NewJob]) async throws -> [EnqueueResult] {
        let now = time.now()
        let results = try await database.write { db in try self.insert(jobs, now: now, in: db) }
        if results.contains(where: \.inserted) { notifier.jobsEnqueued() }
        return results
    }

    /// Enqueues inside a transaction the caller opened with `SQLiteDatabase.write`, so the caller's rows
    /// and the job commit together; workers in this process are woken after the commit.
    func enqueue(_ job: NewJob, in db: Database) throws -> EnqueueResult {
        let result = try insert([job], now: time.now(), in: db)[0]
        if result.inserted {
            let notifier = notifier
            db.afterNextTransaction(onCommit: { _ in notifier.jobsEnqueued() })
        }
        return result
    }

    /// Enqueues `job` inside the transaction of `holder`'s handler, already claimed for `holder`'s worker when
    /// that worker runs its kind: the handler returns it (`JobOutcome.recorded(next:)`) and the worker runs it
    /// straight after, in the same slot. A job that follows another every time (a proof's delivery after its
    /// issue) so skips a claim, a wait for the next poll and a slot's hand-over; it is durable and leased like
    /// any claimed job, so if the worker dies first the lease lapses and another worker runs it.
    /// - Returns: the claimed job, or nil when it was only enqueued (the worker does not run its kind, or the
    ///   job is due later) or not at all (its unique key exists).
    func enqueue(_ job: NewJob, after holder: ClaimedJob, in db: Database) throws -> ClaimedJob? {
        try enqueue(job, claimedFor: holder.holder, in: db)
    }

    /// Enqueues `job` inside the caller's transaction already claimed for `holder` when it runs the kind and the
    /// job is due now (see `enqueue(_:after:in:)`); otherwise only enqueues it.
    /// - Returns: the claimed job, or nil when it was only enqueued or not at all (its unique key exists).
    func enqueue(_ job: NewJob, claimedFor holder: JobHolder, in db: Database) throws -> ClaimedJob? {
        let now = time.now()
        guard holder.kinds.contains(job.kind), (job.runAt ?? now) <= now else {
            _ = try enqueue(job, in: db)
            return nil
        }
        let insert = try db.cachedStatement(sql: """
            INSERT INTO jobs (kind, payload, state, priority, run_at, max_attempts, unique_key,
                              created_at, updated_at, retry_since, worker, attempt, locked_until, started_at, mg_ocid)
            VALUES (?1, ?2, 'running', ?3, ?4, ?5, ?6, ?4, ?4, ?4, ?7, 1, ?8, ?4, ?9)
            ON CONFLICT(unique_key) DO NOTHING
            RETURNING id
            """)
        guard let id = try Int64.fetchOne(insert, arguments: [
            job.kind, job.payload, job.priority, now.millis, job.maxAttempts, job.uniqueKey, holder.worker,
            now.adding(holder.lease).millis, job.mgOCID.map(Int64.init(bitPattern:)),
        ]) else { return nil }
        return ClaimedJob(
            id: id, kind: job.kind, payload: job.payload, priority: job.priority, attempt: 1, maxAttempts: job.maxAttempts,
            uniqueKey: job.uniqueKey, createdAt: now, worker: holder.worker, claimedAt: now, budgetAttempt: 1,
            budgetSince: now, lease: holder.lease, workerKinds: holder.kinds)
    }

    /// The unique key is enforced by the UNIQUE index: the INSERT does nothing on conflict, and only then
    /// is the existing id read, inside the same write transaction, so concurrent processes cannot race.
    private func insert(_ jobs: [NewJob], now: Date, in db: Database) throws -> [EnqueueResult] {
        let insert = try db.cachedStatement(sql: """
            INSERT INTO jobs (kind, payload, state, priority, run_at, max_attempts, unique_key,
                              created_at, updated_at, retry_since, mg_ocid)
            VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(unique_key) DO NOTHING
            RETURNING id
            """)
        let nowMillis = now.millis
        let results = try jobs.map { job in
            let runAt = (job.runAt ?? now).millis
            if let id = try Int64.fetchOne(insert, arguments: [
                job.kind, job.payload, job.priority, runAt, job.maxAttempts, job.uniqueKey,
                nowMillis, nowMillis, nowMillis, job.mgOCID.map(Int64.init(bitPattern:)),
            ]) {
                return EnqueueResult(id: id, inserted: true)
            }
            let existing = try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT id FROM jobs WHERE unique_key = ?"), arguments: [job.uniqueKey])
            return EnqueueResult(id: existing!, inserted: false)
        }
        return results
    }
}
