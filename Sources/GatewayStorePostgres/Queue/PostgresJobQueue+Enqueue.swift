import Foundation
import GatewayStore
import NIOCore
import PostgresNIO

/// Runs one statement: on any connection (`PostgresDatabase.run`, its own transaction) or in a transaction.
typealias StatementRunner = (PostgresQuery) async throws -> [PostgresRow]

extension PostgresJobQueue {
    /// One statement inserts the batch, and one more (only if a key was taken) reads the holders' ids. The insert
    /// commits on its own, atomically, so the batch needs no transaction around it.
    func enqueue(_ jobs: [NewJob]) async throws -> [EnqueueResult] {
        guard !jobs.isEmpty else { return [] }
        let results = try await insert(jobs, run: database.run)
        if results.contains(where: \.inserted) { notifier.jobsEnqueued() }
        return results
    }

    /// Enqueues inside the caller's transaction, so the caller's rows and the job commit together. The caller
    /// wakes this process's workers after its commit when `inserted`.
    func insert(_ job: NewJob, in tx: Transaction) async throws -> EnqueueResult {
        try await insert([job], run: tx.run)[0]
    }

    /// Enqueues `jobs` with `run`, a result per job in order. The unique key is the constraint's: `ON CONFLICT DO
    /// NOTHING` waits for a racing insert to commit or roll back, and only then are the holders' ids read, by a
    /// statement that sees that commit (and the rows this batch inserted: of equal keys in one batch the first
    /// inserts, the others get its id).
    func insert(_ jobs: [NewJob], run: StatementRunner) async throws -> [EnqueueResult] {
        let ids = try await insertRows(jobs, run: run)
        let taken = jobs.indices.filter { ids[$0] == nil }
        var holders: [String: Int64] = [:]
        if !taken.isEmpty {
            let keys = taken.compactMap { jobs[$0].uniqueKey }
            for row in try await run("SELECT id, unique_key FROM jobs WHERE unique_key = ANY(\(keys)::text[])") {
                holders[try row.get("unique_key")] = try row.get("id", as: Int64.self)
            }
        }
        return try jobs.indices.map { i in
            if let id = ids[i] { return EnqueueResult(id: id, inserted: true) }
            guard let key = jobs[i].uniqueKey, let id = holders[key] else {
                throw StoreError.inconsistent("no job holds the unique key \(jobs[i].uniqueKey ?? "")")
            }
            return EnqueueResult(id: id, inserted: false)
        }
    }

    /// Inserts `jobs` in one statement (`unnest` of a column array each), in unique-key order so racing batches
    /// lock equal keys in one order and cannot deadlock; a job whose key is taken is skipped.
    /// Each job's id is drawn from the identity's sequence in input order before the insert, so the ids keep the
    /// batch's order (its claim order) and the inserted rows map back to their inputs.
    /// - Returns: per job in order, its id, or nil when its unique key was taken.
    private func insertRows(_ jobs: [NewJob], run: StatementRunner) async throws -> [Int64?] {
        guard !jobs.isEmpty else { return [] }
        let now = time.now().millis
        // Without a run_at the job is due now: on the database's clock when that decides due checks.
        let runAts = NullableArray(jobs.map { $0.runAt?.millis ?? (usesDatabaseClock ? nil : now) })
        let rows = try await run("""
            WITH input AS MATERIALIZED (
                SELECT nextval(pg_get_serial_sequence('jobs', 'id')) AS id, t.*
                FROM unnest(\(jobs.map(\.kind))::text[], \(jobs.map { ByteBuffer(bytes: $0.payload) })::bytea[],
                            \(jobs.map { Int64($0.priority) })::bigint[], \(runAts)::bigint[],
                            \(NullableArray(jobs.map { $0.maxAttempts.map(Int64.init) }))::bigint[],
                            \(NullableArray(jobs.map(\.uniqueKey)))::text[],
                            \(NullableArray(jobs.map { $0.mgOCID?.stored }))::bigint[])
                    WITH ORDINALITY AS t(kind, payload, priority, run_at, max_attempts, unique_key, mg_ocid, n)
                ORDER BY t.n
            ), inserted AS (
                INSERT INTO jobs (id, kind, payload, state, priority, run_at, max_attempts, unique_key,
                                  created_at, updated_at, retry_since, mg_ocid)
                OVERRIDING SYSTEM VALUE
                SELECT id, kind, payload, 'queued', priority, COALESCE(run_at, \(unescaped: databaseNowMillis)),
                       max_attempts, unique_key, \(now), \(now), \(now), mg_ocid
                FROM input ORDER BY unique_key, n
                ON CONFLICT (unique_key) DO NOTHING
                RETURNING id
            )
            SELECT input.n, input.id FROM input JOIN inserted ON inserted.id = input.id
            """)
        var ids = [Int64?](repeating: nil, count: jobs.count)
        for row in rows { ids[Int(try row.get("n", as: Int64.self)) - 1] = try row.get("id", as: Int64.self) }
        return ids
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
        guard claims(job, for: holder, now: now) else {
            return (nil, try await insert(job, in: tx).inserted)
        }
        var query = DynamicQuery("")
        appendInsert(job, claimedFor: holder, now: now, to: &query)
        let rows = try await tx.run(query.query)
        guard let row = rows.first else { return (nil, false) }
        return (Self.claimed(job, id: try row.get("id"), for: holder, at: now), true)
    }

    /// Whether `job` is enqueued claimed for `holder` (which runs its kind, and it is due now) rather than queued.
    func claims(_ job: NewJob, for holder: JobHolder, now: Date) -> Bool {
        holder.kinds.contains(job.kind) && (job.runAt ?? now) <= now
    }

    /// Appends an INSERT of `job` claimed for `holder` (first attempt, leased from the lease clock), skipped when
    /// `condition` (SQL) is false or its unique key is taken, and returning its id. A statement that does more
    /// around the insert embeds it as a CTE; `mgOCID` is an SQL expression when the MG comes from that statement.
    func appendInsert(
        _ job: NewJob, claimedFor holder: JobHolder, now: Date, only condition: String = "true", mgOCID: String? = nil,
        to query: inout DynamicQuery
    ) {
        let millis = query.bind(now.millis)
        query.append("""
            INSERT INTO jobs (kind, payload, state, priority, run_at, max_attempts, unique_key,
                              created_at, updated_at, retry_since, worker, attempt, locked_until, started_at, mg_ocid)
            SELECT \(query.bind(job.kind)), \(query.bind(ByteBuffer(bytes: job.payload))), 'running',
                   \(query.bind(Int64(job.priority))), \(millis), \(query.bind(job.maxAttempts.map(Int64.init)))::bigint,
                   \(query.bind(job.uniqueKey))::text, \(millis), \(millis), \(millis), \(query.bind(holder.worker)), 1,
                   \(clockSQL(query.bind(leaseClock()))) + \(query.bind(holder.lease.millis)), \(millis),
                   \(mgOCID ?? "\(query.bind(job.mgOCID?.stored))::bigint")
            WHERE \(condition)
            ON CONFLICT (unique_key) DO NOTHING
            RETURNING id
            """)
    }

    /// The job `appendInsert` inserted as `id`, as its holder runs it.
    static func claimed(_ job: NewJob, id: Int64, for holder: JobHolder, at now: Date) -> ClaimedJob {
        ClaimedJob(
            id: id, kind: job.kind, payload: job.payload, priority: job.priority, attempt: 1,
            maxAttempts: job.maxAttempts, uniqueKey: job.uniqueKey, createdAt: now, worker: holder.worker,
            claimedAt: now, budgetAttempt: 1, budgetSince: now, lease: holder.lease, workerKinds: holder.kinds)
    }
}

extension PostgresJobQueue {
    /// Enqueues `jobs` in the caller's transaction with one statement (a group commit's): a job whose unique key is
    /// taken is skipped. The caller wakes the workers after its commit when any was inserted.
    /// - Returns: how many were inserted.
    func insert(_ jobs: [NewJob], in tx: Transaction) async throws -> Int {
        try await insertRows(jobs, run: tx.run).count { $0 != nil }
    }
}
