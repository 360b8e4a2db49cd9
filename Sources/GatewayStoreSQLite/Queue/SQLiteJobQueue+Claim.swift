import Foundation
import GRDB
import GatewayStore

extension SQLiteJobQueue {
    func claim(kinds: Set<String>, limit: Int, worker: String, lease: Duration) async throws -> [ClaimedJob] {
        guard !kinds.isEmpty, limit > 0 else { return [] }
        let now = time.now()
        return try await database.write { db in
            try Self.rescueLapsedLeases(now: now, in: db)
            return try Self.claimRunnable(kinds: kinds, limit: limit, worker: worker, lease: lease, now: now, in: db)
        }
    }

    /// A lease that lapsed means its worker died or hung: the attempt is logged `lease_lost` and the job
    /// goes back to `queued` (keeping its place); the next claim counts as a new attempt.
    static func rescueLapsedLeases(now: Date, in db: Database) throws {
        let nowMillis = now.millis
        try db.cachedStatement(sql: """
            INSERT INTO job_attempts (job_id, attempt, worker, started_at, duration_ms, outcome, error, next_run_at)
            SELECT id, attempt, worker, started_at, MAX(0, ?1 - started_at), 'lease_lost',
                   'lease expired without a heartbeat (worker died or hung)', ?1
            FROM jobs WHERE state = 'running' AND locked_until < ?1
            """).execute(arguments: [nowMillis])
        guard db.changesCount > 0 else { return }
        try db.cachedStatement(sql: """
            UPDATE jobs SET state = 'queued', worker = NULL, locked_until = NULL, updated_at = ?1,
                            last_error = 'lease lost'
            WHERE state = 'running' AND locked_until < ?1
            """).execute(arguments: [nowMillis])
    }

    private static func claimRunnable(
        kinds: Set<String>, limit: Int, worker: String, lease: Duration, now: Date, in db: Database
    ) throws -> [ClaimedJob] {
        let kindMarks = Array(repeating: "?", count: kinds.count).joined(separator: ",")
        let statement = try db.cachedStatement(sql: """
            UPDATE jobs SET state = 'running', worker = ?, attempt = attempt + 1, locked_until = ?,
                            started_at = ?, updated_at = ?
            WHERE id IN (SELECT id FROM jobs
                         WHERE state = 'queued' AND run_at <= ? AND kind IN (\(kindMarks))
                         ORDER BY priority, run_at, id LIMIT ?)
            RETURNING id, kind, payload, priority, run_at, attempt, max_attempts, unique_key, created_at,
                      retry_base, retry_since
            """)
        let nowMillis = now.millis
        var arguments: StatementArguments = [worker, now.adding(lease).millis, nowMillis, nowMillis, nowMillis]
        arguments += StatementArguments(kinds.sorted())
        arguments += [limit]
        // RETURNING gives no order, so the rows are put back in the order they were picked.
        let claimed = try Row.decodeAll(statement, arguments: arguments) { row in
            let attempt: Int = row["attempt"]
            let job = ClaimedJob(
                id: row["id"], kind: row["kind"], payload: row["payload"], priority: row["priority"],
                attempt: attempt, maxAttempts: row["max_attempts"], uniqueKey: row["unique_key"],
                createdAt: Date(millis: row["created_at"]), worker: worker, claimedAt: now,
                budgetAttempt: attempt - (row["retry_base"] as Int), budgetSince: Date(millis: row["retry_since"]),
                lease: lease, workerKinds: kinds)
            return (job: job, runAt: row["run_at"] as Int64)
        }
        return claimed.sorted { a, b in (a.job.priority, a.runAt, a.job.id) < (b.job.priority, b.runAt, b.job.id) }.map(\.job)
    }

    func heartbeat(_ jobs: [ClaimedJob], lease: Duration) async throws -> [Bool] {
        let now = time.now()
        return try await database.write { db in
            let renew = try db.cachedStatement(sql: """
                UPDATE jobs SET locked_until = ?, updated_at = ?
                WHERE id = ? AND worker = ? AND attempt = ? AND state = 'running'
                """)
            return try jobs.map { job in
                try renew.execute(arguments: [now.adding(lease).millis, now.millis, job.id, job.worker, job.attempt])
                if db.changesCount == 1 { return true }
                // Not running under this token any more: lost only if the attempt did not end the job itself (a
                // handler that records its success in its own transaction does so before its worker knows).
                return try Bool.fetchOne(db.cachedStatement(sql: """
                    SELECT EXISTS (SELECT 1 FROM job_attempts
                                   WHERE job_id = ? AND attempt = ? AND worker = ? AND outcome != 'lease_lost')
                    """), arguments: [job.id, job.attempt, job.worker]) ?? false
            }
        }
    }
}
