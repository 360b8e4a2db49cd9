import Foundation
import GatewayStore
import PostgresNIO

extension PostgresJobQueue {
    func cancel(id: Int64) async throws {
        let now = time.now().millis
        let rows = try await database.run("""
            UPDATE jobs SET state = 'cancelled', finished_at = \(now), updated_at = \(now)
            WHERE id = \(id) AND state = 'queued' RETURNING id
            """)
        if rows.isEmpty { try await refusal(id: id, request: "cancel") }
    }

    func retry(id: Int64) async throws {
        var query = revival()
        query.append(" WHERE id = \(query.bind(id)) AND state IN ('dead', 'cancelled') RETURNING id")
        let rows = try await database.run(query.query)
        if rows.isEmpty { try await refusal(id: id, request: "retry") }
        notifier.jobsEnqueued()
    }

    func retry(matching filter: JobFilter) async throws -> Int {
        var query = revival()
        query.append(" WHERE state IN ('dead', 'cancelled')")
        filter.apply(to: &query)
        query.append(" RETURNING id")
        let count = try await database.run(query.query).count
        if count > 0 { notifier.jobsEnqueued() }
        return count
    }

    /// A `queued` or nil state cancels; any other state matches no queued job, so it cancels nothing (no error:
    /// the count says so). Running jobs are never touched: `jobs cancel` refuses them one by one too.
    func cancel(matching filter: JobFilter) async throws -> Int {
        var query = DynamicQuery("UPDATE jobs SET state = 'cancelled', ")
        let at = query.bind(time.now().millis)
        query.append("finished_at = \(at), updated_at = \(at) WHERE state = 'queued'")
        filter.apply(to: &query)
        query.append(" RETURNING id")
        return try await database.run(query.query).count
    }

    func count(matching filter: JobFilter) async throws -> Int {
        var query = DynamicQuery("SELECT count(*) AS n FROM jobs WHERE true")
        filter.apply(to: &query)
        return try await database.count(query.query)
    }

    /// `UPDATE jobs SET …` making a job queued now, with the retry budget restarting here (`attempt` and the
    /// attempt log are kept); the caller appends which jobs.
    private func revival() -> DynamicQuery {
        var query = DynamicQuery("UPDATE jobs SET state = 'queued', ")
        let at = query.bind(time.now().millis)
        query.append("""
            run_at = \(at), updated_at = \(at), finished_at = NULL, worker = NULL, locked_until = NULL,
            retry_base = attempt, retry_since = \(at)
            """)
        return query
    }

    /// A redelivery's half in the queue, inside the caller's transaction: the job holding `job`'s unique key
    /// (locked, so no worker claims or finishes it meanwhile) is revived as `retry(id:)` does when it ended, left
    /// alone when queued or running, and `job` is enqueued when none holds the key (pruned).
    /// - Returns: what was done, and whether a job became due (the caller wakes the workers after its commit).
    func requeue(_ job: NewJob, in tx: Transaction) async throws -> (Redelivery, woke: Bool) {
        let existing = try await tx.run("SELECT id, state FROM jobs WHERE unique_key = \(job.uniqueKey) FOR UPDATE")
        guard let row = existing.first, job.uniqueKey != nil else {
            let result = try await insert(job, in: tx)
            return (Redelivery(jobID: result.id, queued: true), result.inserted)
        }
        let r = row.makeRandomAccess()
        let id: Int64 = try r.get("id")
        switch JobState(rawValue: try r.get("state")) {
        case .running: return (Redelivery(jobID: id, queued: false), false)
        case .queued: return (Redelivery(jobID: id, queued: true), false)
        default:
            var query = revival()
            query.append(" WHERE id = \(query.bind(id))")
            try await tx.run(query.query)
            return (Redelivery(jobID: id, queued: true), true)
        }
    }

    /// Why a cancel or retry changed nothing: the job is missing, running, or in a state the request refuses.
    private func refusal(id: Int64, request: String) async throws -> Never {
        guard let row = try await database.run("SELECT kind, state, worker FROM jobs WHERE id = \(id)").first else {
            throw QueueError.jobNotFound(id: id)
        }
        let r = row.makeRandomAccess()
        let state = JobState(rawValue: try r.get("state")) ?? .dead
        if state == .running, request == "cancel" {
            throw QueueError.jobRunning(id: id, kind: try r.get("kind"), worker: try r.get("worker"))
        }
        throw QueueError.wrongState(id: id, state: state, request: request)
    }

    func prune(olderThan age: Duration) async throws -> Int {
        let cutoff = time.now().adding(.zero - age).millis
        return try await MaintenanceBatches.run { limit in
            try await database.count("""
                WITH old AS (
                    SELECT id FROM jobs WHERE state IN ('succeeded', 'cancelled') AND finished_at < \(cutoff)
                    LIMIT \(limit) FOR UPDATE SKIP LOCKED
                ), pruned AS (
                    DELETE FROM jobs j USING old WHERE j.id = old.id RETURNING 1
                )
                SELECT count(*) AS n FROM pruned
                """)
        }
    }

    func list(_ filter: JobFilter) async throws -> [Job] {
        var query = DynamicQuery("SELECT \(Job.columns) FROM jobs WHERE true")
        filter.applyPage(to: &query)
        query.append(" ORDER BY id DESC")
        if let limit = filter.limit { query.append(" LIMIT \(query.bind(Int64(limit)))") }
        return try await database.run(query.query).map(Job.init(row:))
    }

    func jobs(uniqueKeys: [String]) async throws -> [Job] {
        guard !uniqueKeys.isEmpty else { return [] }
        // One statement whatever the count: the keys travel as one array parameter.
        return try await database.run("""
            SELECT \(unescaped: Job.columns) FROM jobs WHERE unique_key = ANY(\(uniqueKeys)) ORDER BY id
            """).map(Job.init(row:))
    }

    func show(id: Int64) async throws -> JobDetail? {
        try await database.transaction { tx in
            guard let row = try await tx.run("SELECT \(unescaped: Job.columns) FROM jobs WHERE id = \(id)").first
            else { return nil }
            let attempts = try await tx.run("SELECT * FROM job_attempts WHERE job_id = \(id) ORDER BY id")
            return JobDetail(job: try Job(row: row), attempts: try attempts.map(JobAttempt.init(row:)))
        }
    }

    func setDraining(_ draining: Bool) async throws {
        try await database.run("""
            INSERT INTO queue_flags (name, value) VALUES ('draining', \(draining))
            ON CONFLICT (name) DO UPDATE SET value = excluded.value
            """)
    }

    func isDraining() async throws -> Bool {
        try await database.run("SELECT value FROM queue_flags WHERE name = 'draining'").first?.get("value") ?? false
    }

    /// The drain flag, read in the caller's transaction under a share lock on its row: `setDraining` updates that
    /// row, so it waits for every create that read the old value to commit (their jobs are then visible to
    /// `pendingWork`), and a create that reads after it waited sees the new value (READ COMMITTED re-reads a locked
    /// row's newest version). Shared locks do not block one another, so creates still run side by side.
    static func isDraining(in tx: Transaction) async throws -> Bool {
        try await tx.run("SELECT value FROM queue_flags WHERE name = 'draining' FOR SHARE").first?.get("value") ?? false
    }
}
