import Foundation
import GatewayStore
import NIOCore
import PostgresNIO

extension PostgresJobQueue {
    func enqueue(_ jobs: [NewJob]) async throws -> [EnqueueResult] {
        guard !jobs.isEmpty else { return [] }
        let results = try await database.transaction { tx in
            var results: [EnqueueResult] = []
            for job in jobs { results.append(try await insert(job, in: tx)) }
            return results
        }
        if results.contains(where: \.inserted) { notifier.jobsEnqueued() }
        return results
    }

    /// Enqueues inside the caller's transaction, so the caller's rows and the job commit together. The caller
    /// wakes this process's workers after its commit when `inserted`.
    /// The unique key is the constraint's: `ON CONFLICT DO NOTHING` waits for a racing insert to commit or roll
    /// back, and only then is the holder's id read, by a statement that sees that commit.
    func insert(_ job: NewJob, in tx: Transaction) async throws -> EnqueueResult {
        let now = time.now().millis
        // Without a run_at the job is due now: on the database's clock when that decides due checks.
        let runAt = job.runAt?.millis ?? (usesDatabaseClock ? nil : now)
        let maxAttempts = job.maxAttempts.map(Int64.init)
        let rows = try await tx.run("""
            INSERT INTO jobs (kind, payload, state, priority, run_at, max_attempts, unique_key,
                              created_at, updated_at, retry_since, mg_ocid)
            VALUES (\(job.kind), \(job.payload), 'queued', \(Int64(job.priority)),
                    COALESCE(\(runAt)::bigint, \(unescaped: databaseNowMillis)), \(maxAttempts), \(job.uniqueKey),
                    \(now), \(now), \(now), \(job.mgOCID?.stored))
            ON CONFLICT (unique_key) DO NOTHING
            RETURNING id
            """)
        if let row = rows.first { return EnqueueResult(id: try row.get("id"), inserted: true) }
        let existing = try await tx.run("SELECT id FROM jobs WHERE unique_key = \(job.uniqueKey)")
        guard let row = existing.first else {
            throw StoreError.inconsistent("no job holds the unique key \(job.uniqueKey ?? "")")
        }
        return EnqueueResult(id: try row.get("id"), inserted: false)
    }

    /// Enqueues `job` in the caller's transaction already claimed for `holder`'s worker when that worker runs its
    /// kind and the job is due now, so the worker runs it next in the same slot without a claim.
    /// - Returns: the claimed job; nil when it was only enqueued, or not at all (its unique key exists).
    func insert(_ job: NewJob, after holder: ClaimedJob, in tx: Transaction) async throws -> (ClaimedJob?, inserted: Bool) {
        try await insert(job, claimedFor: holder.holder, in: tx)
    }

    /// Enqueues `job` in the caller's transaction already claimed for `holder` when it runs the kind and the job is
    /// due now (a worker's next job, or a request that runs the job itself); otherwise only enqueues it.
    /// - Returns: the claimed job; nil when it was only enqueued, or not at all (its unique key exists).
    func insert(_ job: NewJob, claimedFor holder: JobHolder, in tx: Transaction) async throws
        -> (ClaimedJob?, inserted: Bool)
    {
        let now = time.now()
        guard holder.kinds.contains(job.kind), (job.runAt ?? now) <= now else {
            return (nil, try await insert(job, in: tx).inserted)
        }
        let millis = now.millis
        let maxAttempts = job.maxAttempts.map(Int64.init)
        let clock = leaseClock()
        let rows = try await tx.run("""
            INSERT INTO jobs (kind, payload, state, priority, run_at, max_attempts, unique_key,
                              created_at, updated_at, retry_since, worker, attempt, locked_until, started_at, mg_ocid)
            VALUES (\(job.kind), \(job.payload), 'running', \(Int64(job.priority)), \(millis), \(maxAttempts),
                    \(job.uniqueKey), \(millis), \(millis), \(millis), \(holder.worker), 1,
                    COALESCE(\(clock)::bigint, \(unescaped: databaseNowMillis)) + \(holder.lease.millis), \(millis),
                    \(job.mgOCID?.stored))
            ON CONFLICT (unique_key) DO NOTHING
            RETURNING id
            """)
        guard let row = rows.first else { return (nil, false) }
        let claimed = ClaimedJob(
            id: try row.get("id"), kind: job.kind, payload: job.payload, priority: job.priority, attempt: 1,
            maxAttempts: job.maxAttempts, uniqueKey: job.uniqueKey, createdAt: now, worker: holder.worker,
            claimedAt: now, budgetAttempt: 1, budgetSince: now, lease: holder.lease, workerKinds: holder.kinds)
        return (claimed, true)
    }
}

extension PostgresJobQueue {
    /// Enqueues `jobs` in the caller's transaction with one multi-row statement (a group commit's): a job whose
    /// unique key is taken is skipped. The caller wakes the workers after its commit when any was inserted.
    /// - Returns: how many were inserted.
    func insert(_ jobs: [NewJob], in tx: Transaction) async throws -> Int {
        guard !jobs.isEmpty else { return 0 }
        let now = time.now().millis
        var query = DynamicQuery("""
            INSERT INTO jobs (kind, payload, state, priority, run_at, max_attempts, unique_key,
                              created_at, updated_at, retry_since, mg_ocid)
            VALUES
            """)
        for (n, job) in jobs.enumerated() {
            // Without a run_at the job is due now: on the database's clock when that decides due checks.
            let runAt = job.runAt?.millis ?? (usesDatabaseClock ? nil : now)
            let values = [
                query.bind(job.kind), query.bind(ByteBuffer(bytes: job.payload)), "'queued'", query.bind(Int64(job.priority)),
                clockSQL(query.bind(runAt)), query.bind(job.maxAttempts.map(Int64.init)), query.bind(job.uniqueKey),
            ]
            let at = query.bind(now)
            let mg = query.bind(job.mgOCID?.stored)
            query.append((n == 0 ? " (" : ", (") + (values + [at, at, at, mg]).joined(separator: ", ") + ")")
        }
        query.append(" ON CONFLICT (unique_key) DO NOTHING RETURNING id")
        return try await tx.run(query.query).count
    }
}
