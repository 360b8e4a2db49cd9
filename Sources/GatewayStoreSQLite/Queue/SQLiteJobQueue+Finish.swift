import Foundation
import GRDB
import GatewayStore

extension SQLiteJobQueue {
    func finish(_ finishes: [JobFinish]) async throws -> [Bool] {
        if finishes.count == 1 { return [try await finisher.submit(finishes[0])] }
        let now = time.now()
        return try await database.write { db in
            try finishes.map { try Self.apply($0, now: now, in: db) }
        }
    }

    /// One guarded UPDATE per transition; the attempt is logged only if the worker still held the lease.
    static func apply(_ finish: JobFinish, now: Date, in db: Database) throws -> Bool {
        let job = finish.job
        let nowMillis = now.millis
        let lease: StatementArguments = [job.id, job.worker, job.attempt]
        let guardClause = "WHERE id = ? AND worker = ? AND attempt = ? AND state = 'running'"
        let outcome: AttemptOutcome
        var failure: AttemptFailure?
        var note: String?
        var nextRunAt: Date?
        switch finish.transition {
        case let .succeeded(text):
            outcome = .succeeded
            note = text
            try db.cachedStatement(sql: """
                UPDATE jobs SET state = 'succeeded', worker = NULL, locked_until = NULL, finished_at = ?,
                                updated_at = ?, last_error = NULL \(guardClause)
                """).execute(arguments: [nowMillis, nowMillis] + lease)
        case let .retry(at, reason):
            outcome = .retry
            failure = reason
            nextRunAt = at
            try db.cachedStatement(sql: """
                UPDATE jobs SET state = 'queued', worker = NULL, locked_until = NULL, run_at = ?,
                                updated_at = ?, last_error = ? \(guardClause)
                """).execute(arguments: [at.millis, nowMillis, reason.error] + lease)
        case let .dead(reason):
            outcome = .dead
            failure = reason
            try db.cachedStatement(sql: """
                UPDATE jobs SET state = 'dead', worker = NULL, locked_until = NULL, finished_at = ?,
                                updated_at = ?, last_error = ? \(guardClause)
                """).execute(arguments: [nowMillis, nowMillis, reason.error] + lease)
        case .released:
            outcome = .released
            nextRunAt = now
            try db.cachedStatement(sql: """
                UPDATE jobs SET state = 'queued', worker = NULL, locked_until = NULL, attempt = attempt - 1,
                                updated_at = ? \(guardClause)
                """).execute(arguments: [nowMillis] + lease)
        }
        guard db.changesCount == 1 else { return false }
        try db.cachedStatement(sql: """
            INSERT INTO job_attempts (job_id, attempt, worker, started_at, duration_ms, outcome, error,
                                      http_status, response_excerpt, note, next_run_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [
                job.id, job.attempt, job.worker, job.claimedAt.millis, max(0, nowMillis - job.claimedAt.millis),
                outcome.rawValue, failure?.error, failure?.httpStatus, failure?.responseExcerpt, note,
                nextRunAt?.millis,
            ])
        return true
    }
}
