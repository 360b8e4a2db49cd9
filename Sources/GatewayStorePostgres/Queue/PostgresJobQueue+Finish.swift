import Foundation
import GatewayStore
import PostgresNIO

extension PostgresJobQueue {
    /// One statement for the batch, which commits on its own: no transaction round trips around it.
    func finish(_ finishes: [JobFinish]) async throws -> [Bool] {
        guard !finishes.isEmpty else { return [] }
        let query = Self.query(finishes, now: time.now())
        // A single finish names its job by primary key as well, so its text differs from a batch's (`appendFinish`).
        let rows = Self.namesOneJob(finishes)
            ? try await database.run(query, as: SingleFinishStatement.self)
            : try await database.run(query, as: FinishStatement.self)
        return try Self.held(finishes, rows: rows)
    }

    /// Ends one attempt in the caller's transaction. - Returns: false when the worker had lost the lease.
    static func apply(_ finish: JobFinish, now: Date, in tx: Transaction) async throws -> Bool {
        try held([finish], rows: try await tx.run(query([finish], now: now).query))[0]
    }

    /// Ends the attempts of `finishes` in one statement (`appendFinish`).
    private static func query(_ finishes: [JobFinish], now: Date) -> DynamicQuery {
        var query = DynamicQuery("WITH ")
        appendFinish(finishes, now: now, to: &query)
        query.append(" SELECT ended.n FROM ended")
        return query
    }

    /// Per finish in order, whether the worker still held the lease, from the `ended` rows of `query`.
    private static func held(_ finishes: [JobFinish], rows: [PostgresRow]) throws -> [Bool] {
        var held = [Bool](repeating: false, count: finishes.count)
        for row in rows { held[Int(try row.get("n", as: Int64.self)) - 1] = true }
        return held
    }

    /// Whether `appendFinish` names the one job of `finishes` by primary key, which gives the statement another text.
    private static func namesOneJob(_ finishes: [JobFinish]) -> Bool { finishes.count == 1 }

    /// Appends the CTEs `f`, `ended` and `logged` that end the attempts of `finishes`: an UPDATE fenced per job by
    /// its lease token, and each attempt logged only if its update took (`ended` returns exactly those, as `n`, the
    /// finish's 1-based position). A token given twice is applied once, for its first occurrence, as in turn the
    /// second would find the lease gone. A statement that does more around the finish (a proof's issue or
    /// delivery) embeds these: `only` is an SQL condition the UPDATE also needs, and `note` an SQL text expression
    /// logged instead of the finishes' own notes.
    ///
    /// A single finish also names its job by primary key (`namesOneJob`). The statistics of a table that grows by
    /// thousands of rows a second are stale between two analyzes, and the plans made on them (prepared statements
    /// keep theirs until the next analyze) joined `f` with a scan of every running job, a bitmap scan that rereads
    /// each dead index entry a claim left, rather than look one row up; the flow runs one such finish per step of
    /// a payment. `jobs.id = $n` is estimated at one row whatever the statistics say.
    static func appendFinish(
        _ finishes: [JobFinish], now: Date, only condition: String = "true", note: String = "f.note",
        to query: inout DynamicQuery
    ) {
        let millis = now.millis
        let ends = finishes.map { AttemptEnd($0, now: millis) }
        var f = FinishColumns(single: namesOneJob(finishes))
        f.add("id", finishes.map(\.job.id), "bigint", to: &query)
        f.add("worker", finishes.map(\.job.worker), "text", to: &query)
        f.add("attempt", finishes.map { Int64($0.job.attempt) }, "bigint", to: &query)
        f.add("state", ends.map(\.state), "text", to: &query)
        f.add("run_at", ends.map(\.runAt), "bigint", to: &query)
        f.add("finished_at", ends.map(\.finishedAt), "bigint", to: &query)
        f.add("attempt_change", ends.map(\.attemptChange), "bigint", to: &query)
        f.add("keeps_error", ends.map(\.keepsError), "bool", to: &query)
        f.add("last_error", ends.map(\.lastError), "text", to: &query)
        f.add("started_at", finishes.map(\.job.claimedAt.millis), "bigint", to: &query)
        f.add("duration_ms", finishes.map { max(0, millis - $0.job.claimedAt.millis) }, "bigint", to: &query)
        f.add("outcome", ends.map(\.outcome.rawValue), "text", to: &query)
        f.add("error", ends.map { $0.failure?.error }, "text", to: &query)
        f.add("http_status", ends.map { $0.failure?.httpStatus.map(Int64.init) }, "bigint", to: &query)
        f.add("response_excerpt", ends.map { $0.failure?.responseExcerpt }, "text", to: &query)
        f.add("note", ends.map(\.note), "text", to: &query)
        f.add("next_run_at", ends.map(\.nextRunAt), "bigint", to: &query)
        let now = query.bind(millis)
        // A single finish's id is a bound value: the key the UPDATE names (`f` is materialized, so the planner
        // cannot see its value through the join).
        let oneJob = f.single ? "jobs.id = \(f.expressions[0]) AND " : ""
        query.append("f AS MATERIALIZED (\(f.select)")
        query.append("""
            ), ended AS (
                UPDATE jobs SET state = f.state, worker = NULL, locked_until = NULL,
                    run_at = COALESCE(f.run_at, jobs.run_at), finished_at = f.finished_at,
                    attempt = jobs.attempt + f.attempt_change, updated_at = \(now),
                    last_error = CASE WHEN f.keeps_error THEN jobs.last_error ELSE f.last_error END
                FROM f
                WHERE \(oneJob)jobs.id = f.id AND jobs.worker = f.worker AND jobs.attempt = f.attempt
                    AND jobs.state = 'running' AND \(condition)
                RETURNING f.n
            ), logged AS (
                INSERT INTO job_attempts (job_id, attempt, worker, started_at, duration_ms, outcome, error,
                                          http_status, response_excerpt, note, next_run_at)
                SELECT f.id, f.attempt, f.worker, f.started_at, f.duration_ms, f.outcome, f.error, f.http_status,
                       f.response_excerpt, \(note), f.next_run_at
                FROM f JOIN ended ON ended.n = f.n
                ORDER BY f.n
                RETURNING job_id
            )
            """)
    }
}

/// `finish`'s statement for two jobs or more, prepared: its text is the same for every such batch (bound as arrays).
private enum FinishStatement: PreparedShape {
    static let text = PreparedText()
}

/// `finish`'s statement for one job, prepared: it also names the job by primary key.
private enum SingleFinishStatement: PreparedShape {
    static let text = PreparedText()
}

/// The rows `f` of `appendFinish`: for a batch, arrays bound once each and unnested (a token given twice kept once,
/// its first occurrence); for a single finish, its values bound as they are, which spares both sides the arrays'
/// encoding and the unnest, sort and dedup in the plan of every step of a payment.
private struct FinishColumns {
    let single: Bool
    private(set) var names: [String] = []
    /// Each column's SQL expression: its placeholder and type.
    private(set) var expressions: [String] = []

    init(single: Bool) { self.single = single }

    mutating func add<Value: PostgresArrayEncodable & PostgresNonThrowingEncodable>(
        _ name: String, _ values: [Value], _ type: String, to query: inout DynamicQuery
    ) {
        names.append(name)
        expressions.append(single ? "\(query.bind(values[0]))::\(type)" : "\(query.bind(values))::\(type)[]")
    }

    mutating func add<Value: PostgresArrayEncodable & PostgresNonThrowingEncodable>(
        _ name: String, _ values: [Value?], _ type: String, to query: inout DynamicQuery
    ) {
        names.append(name)
        expressions.append(
            single ? "\(query.bind(values[0]))::\(type)" : "\(query.bind(NullableArray(values)))::\(type)[]")
    }

    /// The SELECT that makes the rows, each with its 1-based position `n`.
    var select: String {
        if single {
            return "SELECT " + zip(expressions, names).map { "\($0) AS \($1)" }.joined(separator: ", ") + ", 1::bigint AS n"
        }
        return """
            SELECT DISTINCT ON (id, worker, attempt) *
            FROM unnest(\(expressions.joined(separator: ", "))) WITH ORDINALITY AS t(\(names.joined(separator: ", ")), n)
            ORDER BY id, worker, attempt, n
            """
    }
}

/// What one finish writes: the job's new state and the attempt's log row.
private struct AttemptEnd {
    var state = "queued"
    var runAt: Int64?
    var finishedAt: Int64?
    var lastError: String?
    var attemptChange: Int64 = 0
    var failure: AttemptFailure?
    var note: String?
    var nextRunAt: Int64?
    var outcome: AttemptOutcome
    /// Handed back unrun (`released`): the job keeps its error of before.
    let keepsError: Bool

    init(_ finish: JobFinish, now millis: Int64) {
        keepsError = finish.transition == .released
        switch finish.transition {
        case let .succeeded(text):
            (state, finishedAt, note, outcome) = ("succeeded", millis, text, .succeeded)
        case let .retry(at, reason):
            (runAt, lastError, failure, nextRunAt, outcome) = (at.millis, reason.error, reason, at.millis, .retry)
        case let .dead(reason):
            (state, finishedAt, lastError, failure, outcome) = ("dead", millis, reason.error, reason, .dead)
        case .released:
            // Handed back unrun: the attempt is not charged.
            (runAt, attemptChange, nextRunAt, outcome) = (millis, -1, millis, .released)
        }
    }
}

extension JobSuccess {
    /// Ends the attempt as succeeded in the caller's transaction. - Returns: false when the worker lost the lease.
    func record(at now: Date, in tx: Transaction) async throws -> Bool {
        try await PostgresJobQueue.apply(finish, now: now, in: tx)
    }
}
