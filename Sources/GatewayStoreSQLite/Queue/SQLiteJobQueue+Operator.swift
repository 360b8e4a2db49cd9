import Foundation
import GRDB
import GatewayStore

extension SQLiteJobQueue {
    func cancel(id: Int64) async throws {
        let now = time.now().millis
        try await database.write { db in
            try db.execute(sql: """
                UPDATE jobs SET state = 'cancelled', finished_at = ?1, updated_at = ?1
                WHERE id = ?2 AND state = 'queued'
                """, arguments: [now, id])
            if db.changesCount == 0 { try Self.refusal(id: id, request: "cancel", in: db) }
        }
    }

    func retry(id: Int64) async throws {
        let now = time.now().millis
        try await database.write { db in
            try db.execute(sql: """
                UPDATE jobs SET \(Self.revive)
                WHERE id = ?2 AND state IN ('dead', 'cancelled')
                """, arguments: [now, id])
            if db.changesCount == 0 { try Self.refusal(id: id, request: "retry", in: db) }
        }
    }

    func retry(matching filter: JobFilter) async throws -> Int {
        let now = time.now().millis
        let (clause, arguments) = filter.whereClause
        return try await database.write { db in
            try db.execute(sql: """
                UPDATE jobs SET \(Self.revive)
                WHERE state IN ('dead', 'cancelled') AND \(clause)
                """, arguments: [now] + arguments)
            return db.changesCount
        }
    }

    /// A `queued` or nil state cancels; any other state matches no queued job, so it cancels nothing (no error:
    /// the count says so). Running jobs are never touched: `jobs cancel` refuses them one by one too.
    func cancel(matching filter: JobFilter) async throws -> Int {
        let now = time.now().millis
        let (clause, arguments) = filter.whereClause
        return try await database.write { db in
            try db.execute(sql: """
                UPDATE jobs SET state = 'cancelled', finished_at = ?1, updated_at = ?1
                WHERE state = 'queued' AND \(clause)
                """, arguments: [now] + arguments)
            return db.changesCount
        }
    }

    func count(matching filter: JobFilter) async throws -> Int {
        let (clause, arguments) = filter.whereClause
        return try await database.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM jobs WHERE \(clause)", arguments: arguments) ?? 0
        }
    }

    /// A redelivery's half in the queue, inside the caller's transaction: the job holding `job`'s unique key is
    /// revived (as `retry(id:)` does) when it ended, left alone when queued or running, and `job` is enqueued when
    /// none holds the key (pruned). Workers in this process are woken after the commit when a job became due.
    func requeue(_ job: NewJob, in db: Database) throws -> Redelivery {
        let existing = try Row.fetchOne(
            db, sql: "SELECT id, state FROM jobs WHERE unique_key = ?", arguments: [job.uniqueKey])
        guard let existing, job.uniqueKey != nil else {
            return Redelivery(jobID: try enqueue(job, in: db).id, queued: true)
        }
        let id: Int64 = existing["id"]
        switch JobState(rawValue: existing["state"]) {
        case .running: return Redelivery(jobID: id, queued: false)
        case .queued: return Redelivery(jobID: id, queued: true)
        default:
            try db.execute(sql: "UPDATE jobs SET \(Self.revive) WHERE id = ?2", arguments: [time.now().millis, id])
            let notifier = notifier
            db.afterNextTransaction(onCommit: { _ in notifier.jobsEnqueued() })
            return Redelivery(jobID: id, queued: true)
        }
    }

    /// Queued now, with the retry budget restarting here; `attempt` and the attempt log are kept.
    private static let revive = """
        state = 'queued', run_at = ?1, updated_at = ?1, finished_at = NULL, worker = NULL,
        locked_until = NULL, retry_base = attempt, retry_since = ?1
        """

    private static func refusal(id: Int64, request: String, in db: Database) throws -> Never {
        guard let row = try Row.fetchOne(db, sql: "SELECT kind, state, worker FROM jobs WHERE id = ?", arguments: [id])
        else { throw QueueError.jobNotFound(id: id) }
        let state = JobState(rawValue: row["state"]) ?? .dead
        if state == .running, request == "cancel" {
            throw QueueError.jobRunning(id: id, kind: row["kind"], worker: row["worker"])
        }
        throw QueueError.wrongState(id: id, state: state, request: request)
    }

    func prune(olderThan age: Duration) async throws -> Int {
        let cutoff = time.now().adding(.zero - age).millis
        var pruned = 0
        for state in [JobState.succeeded, .cancelled].map(\.rawValue) {
            var after: Int64 = 0
            while true {
                let batch = try await database.read { [after] db in
                    try Int64.fetchAll(
                        db, sql: MaintenanceStatements.jobPruneBatch,
                        arguments: [state, after, cutoff, MaintenanceBatches.size])
                }
                guard let last = batch.last else { break }
                let deleted = try await database.write { [after] db in
                    try db.execute(sql: MaintenanceStatements.jobPrune, arguments: [state, after, last, cutoff])
                    return db.changesCount
                }
                MaintenanceBatches.log?.record(deleted)
                pruned += deleted
                if batch.count < MaintenanceBatches.size { break }
                after = last
            }
        }
        return pruned
    }

    func list(_ filter: JobFilter) async throws -> [Job] {
        let (clause, arguments) = filter.pageClause
        let limit = filter.limit ?? -1
        return try await database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(Job.columns) FROM jobs WHERE \(clause) ORDER BY id DESC LIMIT ?
                """, arguments: arguments + [limit]).map(Job.init(row:))
        }
    }

    func jobs(uniqueKeys: [String]) async throws -> [Job] {
        // In slices, well under SQLite's limit on bound parameters.
        var found: [Job] = []
        for start in stride(from: 0, to: uniqueKeys.count, by: 500) {
            let slice = Array(uniqueKeys[start..<min(start + 500, uniqueKeys.count)])
            let marks = Array(repeating: "?", count: slice.count).joined(separator: ",")
            found += try await database.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT \(Job.columns) FROM jobs WHERE unique_key IN (\(marks))",
                    arguments: StatementArguments(slice)
                ).map(Job.init(row:))
            }
        }
        return found.sorted { $0.id < $1.id }
    }

    func show(id: Int64) async throws -> JobDetail? {
        try await database.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT \(Job.columns) FROM jobs WHERE id = ?", arguments: [id])
            else { return nil }
            let attempts = try Row.fetchAll(db, sql: """
                SELECT * FROM job_attempts WHERE job_id = ? ORDER BY id
                """, arguments: [id]).map(JobAttempt.init(row:))
            return JobDetail(job: Job(row: row), attempts: attempts)
        }
    }

    func setDraining(_ draining: Bool) async throws {
        try await database.write { db in
            try db.execute(sql: """
                INSERT INTO queue_flags (name, value) VALUES ('draining', ?)
                ON CONFLICT(name) DO UPDATE SET value = excluded.value
                """, arguments: [draining])
        }
    }

    func isDraining() async throws -> Bool {
        try await database.read { db in try Self.isDraining(in: db) }
    }

    /// The drain flag as the caller's transaction sees it, for operations that must decide with it atomically.
    static func isDraining(in db: Database) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT value FROM queue_flags WHERE name = 'draining'")) ?? false
    }
}
