import Foundation
import GatewayStore
import PostgresNIO

extension PostgresJobQueue {
    func finish(_ finishes: [JobFinish]) async throws -> [Bool] {
        let now = time.now()
        if finishes.count == 1 {
            // One statement commits on its own: no transaction round trips around it.
            return [try await database.run(Self.finishQuery(finishes[0], now: now)).isEmpty == false]
        }
        return try await database.transaction { tx in
            var results: [Bool] = []
            for finish in finishes { results.append(try await Self.apply(finish, now: now, in: tx)) }
            return results
        }
    }

    /// Ends one attempt in the caller's transaction. - Returns: false when the worker had lost the lease.
    static func apply(_ finish: JobFinish, now: Date, in tx: Transaction) async throws -> Bool {
        !(try await tx.run(finishQuery(finish, now: now))).isEmpty
    }

    /// One statement: the UPDATE fenced by the lease token, and the attempt logged only if it took (a row comes
    /// back exactly then).
    private static func finishQuery(_ finish: JobFinish, now: Date) -> PostgresQuery {
        let job = finish.job
        let millis = now.millis
        var state = "queued"
        var runAt: Int64?
        var finishedAt: Int64?
        var lastError: String?
        var attemptChange: Int64 = 0
        var failure: AttemptFailure?
        var note: String?
        var nextRunAt: Int64?
        let outcome: AttemptOutcome
        switch finish.transition {
        case let .succeeded(text):
            (state, finishedAt, note, outcome) = ("succeeded", millis, text, .succeeded)
        case let .retry(at, reason):
            (runAt, lastError, failure, nextRunAt, outcome) = (at.millis, reason.error, reason, at.millis, .retry)
        case let .dead(reason):
            (state, finishedAt, lastError, failure, outcome) = ("dead", millis, reason.error, reason, .dead)
        case .released:
            // Handed back unrun: the attempt is not charged, and the job keeps its error of before.
            (runAt, attemptChange, nextRunAt, outcome) = (millis, -1, millis, .released)
        }
        let keepsError = finish.transition == .released
        let httpStatus = failure?.httpStatus.map(Int64.init)
        return """
            WITH ended AS (
                UPDATE jobs SET state = \(state), worker = NULL, locked_until = NULL,
                    run_at = COALESCE(\(runAt)::bigint, run_at), finished_at = \(finishedAt)::bigint,
                    attempt = attempt + \(attemptChange), updated_at = \(millis),
                    last_error = CASE WHEN \(keepsError) THEN last_error ELSE \(lastError)::text END
                WHERE id = \(job.id) AND worker = \(job.worker) AND attempt = \(Int64(job.attempt)) AND state = 'running'
                RETURNING id
            )
            INSERT INTO job_attempts (job_id, attempt, worker, started_at, duration_ms, outcome, error,
                                      http_status, response_excerpt, note, next_run_at)
            SELECT id, \(Int64(job.attempt)), \(job.worker), \(job.claimedAt.millis),
                   \(max(0, millis - job.claimedAt.millis)), \(outcome.rawValue), \(failure?.error)::text,
                   \(httpStatus)::bigint, \(failure?.responseExcerpt)::text, \(note)::text, \(nextRunAt)::bigint
            FROM ended
            RETURNING job_id
            """
    }
}

extension JobSuccess {
    /// Ends the attempt as succeeded in the caller's transaction. - Returns: false when the worker lost the lease.
    func record(at now: Date, in tx: Transaction) async throws -> Bool {
        try await PostgresJobQueue.apply(JobFinish(job, .succeeded(note: note)), now: now, in: tx)
    }
}
