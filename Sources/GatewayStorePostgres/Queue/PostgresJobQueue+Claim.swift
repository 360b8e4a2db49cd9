import Foundation
import GatewayStore
import PostgresNIO

extension PostgresJobQueue {
    func claim(kinds: Set<String>, limit: Int, worker: String, lease: Duration) async throws -> [ClaimedJob] {
        guard !kinds.isEmpty, limit > 0 else { return [] }
        try await rescueLapsedLeases()
        let clock = leaseClock()
        let now = time.now().millis
        let kindList = kinds.sorted()
        // One statement: pick due jobs in claim order, skipping rows another claim has locked (it takes them),
        // and mark them running under this worker's lease. MATERIALIZED keeps the LIMIT applied once.
        let rows = try await database.run("""
            WITH picked AS MATERIALIZED (
                SELECT id FROM jobs
                WHERE state = 'queued' AND run_at <= COALESCE(\(clock)::bigint, \(unescaped: databaseNowMillis))
                  AND kind = ANY(\(kindList))
                ORDER BY priority, run_at, id
                LIMIT \(Int64(limit))
                FOR UPDATE SKIP LOCKED
            )
            UPDATE jobs SET state = 'running', worker = \(worker), attempt = jobs.attempt + 1,
                started_at = COALESCE(\(clock)::bigint, \(unescaped: databaseNowMillis)),
                locked_until = COALESCE(\(clock)::bigint, \(unescaped: databaseNowMillis)) + \(lease.millis),
                updated_at = \(now)
            FROM picked WHERE jobs.id = picked.id
            RETURNING jobs.id, jobs.kind, jobs.payload, jobs.priority, jobs.run_at, jobs.attempt, jobs.max_attempts,
                      jobs.unique_key, jobs.created_at, jobs.started_at, jobs.retry_base, jobs.retry_since
            """)
        let claimed = try rows.map { row in
            let r = row.makeRandomAccess()
            let attempt = Int(try r.get("attempt", as: Int64.self))
            let job = ClaimedJob(
                id: try r.get("id"), kind: try r.get("kind"), payload: try r.get("payload"),
                priority: Int(try r.get("priority", as: Int64.self)), attempt: attempt,
                maxAttempts: try r.get("max_attempts", as: Int64?.self).map(Int.init),
                uniqueKey: try r.get("unique_key"), createdAt: try r.date("created_at"), worker: worker,
                claimedAt: try r.date("started_at"),
                budgetAttempt: attempt - Int(try r.get("retry_base", as: Int64.self)),
                budgetSince: try r.date("retry_since"), lease: lease, workerKinds: kinds)
            return (job: job, runAt: try r.get("run_at", as: Int64.self))
        }
        // RETURNING gives no order, so the jobs are put back in the order they were picked.
        return claimed.sorted { a, b in (a.job.priority, a.runAt, a.job.id) < (b.job.priority, b.runAt, b.job.id) }
            .map(\.job)
    }

    /// A lease that lapsed means its worker died or hung: in one statement the job goes back to `queued` (keeping
    /// its place) and the lost attempt is logged `lease_lost`; the next claim counts as a new attempt. Rows another
    /// rescuer or a heartbeat holds are skipped; they are that transaction's to settle.
    func rescueLapsedLeases() async throws {
        let clock = leaseClock()
        let now = time.now().millis
        try await database.run("""
            WITH lapsed AS MATERIALIZED (
                SELECT id, attempt, worker, started_at FROM jobs
                WHERE state = 'running' AND locked_until < COALESCE(\(clock)::bigint, \(unescaped: databaseNowMillis))
                FOR UPDATE SKIP LOCKED
            ), rescued AS (
                UPDATE jobs SET state = 'queued', worker = NULL, locked_until = NULL, updated_at = \(now),
                    last_error = 'lease lost'
                FROM lapsed WHERE jobs.id = lapsed.id
                RETURNING lapsed.id, lapsed.attempt, lapsed.worker, lapsed.started_at
            )
            INSERT INTO job_attempts (job_id, attempt, worker, started_at, duration_ms, outcome, error, next_run_at)
            SELECT id, attempt, worker, started_at,
                   GREATEST(0, COALESCE(\(clock)::bigint, \(unescaped: databaseNowMillis)) - started_at), 'lease_lost',
                   'lease expired without a heartbeat (worker died or hung)',
                   COALESCE(\(clock)::bigint, \(unescaped: databaseNowMillis))
            FROM rescued
            """)
    }

    func heartbeat(_ jobs: [ClaimedJob], lease: Duration) async throws -> [Bool] {
        guard !jobs.isEmpty else { return [] }
        let clock = leaseClock()
        let now = time.now().millis
        let ids = jobs.map(\.id)
        let workers = jobs.map(\.worker)
        let attempts = jobs.map { Int64($0.attempt) }
        // One statement for the batch: renew every lease still held under its token; then, for the ones not
        // renewed, whether that attempt ended the job itself (a handler records its success in its own
        // transaction before its worker knows) rather than losing it.
        let rows = try await database.run("""
            WITH held AS (
                SELECT * FROM unnest(\(ids)::bigint[], \(workers)::text[], \(attempts)::bigint[]) AS t(id, worker, attempt)
            ), renewed AS (
                UPDATE jobs SET locked_until = COALESCE(\(clock)::bigint, \(unescaped: databaseNowMillis)) + \(lease.millis),
                    updated_at = \(now)
                FROM held
                WHERE jobs.id = held.id AND jobs.worker = held.worker AND jobs.attempt = held.attempt
                  AND jobs.state = 'running'
                RETURNING jobs.id
            )
            SELECT held.id, EXISTS (SELECT 1 FROM renewed WHERE renewed.id = held.id)
                OR EXISTS (SELECT 1 FROM job_attempts a
                           WHERE a.job_id = held.id AND a.attempt = held.attempt AND a.worker = held.worker
                             AND a.outcome != 'lease_lost') AS ok
            FROM held
            """)
        var held: [Int64: Bool] = [:]
        for row in rows { held[try row.get("id")] = try row.get("ok", as: Bool.self) }
        return jobs.map { held[$0.id] ?? false }
    }
}
