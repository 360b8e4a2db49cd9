import Foundation
import GatewayStore
import PostgresNIO

/// The job queue on PostgreSQL. Claims are one statement (`FOR UPDATE SKIP LOCKED` on the due-jobs index, then
/// `UPDATE … RETURNING`), so workers on many hosts never wait on one another's rows; every later transition of a
/// claimed job is one UPDATE fenced by the lease token `(id, worker, attempt)`.
///
/// The clock: with the wall clock (`SystemTime`), leases and due checks read the database's clock
/// (`databaseNowMillis`), so hosts with skewed clocks cannot take live leases or run jobs early; with any other
/// `TimeSource` (tests that move time by hand) they read that source, as every instant the contracts expose does.
struct PostgresJobQueue: JobQueue {
    let database: PostgresDatabase
    let time: any TimeSource
    /// True when `time` is the wall clock and the database's clock decides leases and due checks instead.
    let usesDatabaseClock: Bool

    init(database: PostgresDatabase, time: any TimeSource) {
        self.database = database
        self.time = time
        usesDatabaseClock = time is SystemTime
    }

    var notifier: JobNotifier { database.notifier }

    /// The instant a lease or due check binds: nil means "the database's clock" (see `clockSQL`).
    func leaseClock() -> Int64? { usesDatabaseClock ? nil : time.now().millis }
}

/// `COALESCE($n::bigint, <database now>)`: the bound instant, or the database's clock when none is bound.
func clockSQL(_ placeholder: String) -> String { "COALESCE(\(placeholder)::bigint, \(databaseNowMillis))" }

extension Job {
    static let columns = """
        id, kind, state, payload, priority, run_at, attempt, max_attempts, unique_key, worker, locked_until,
        created_at, updated_at, finished_at, last_error, mg_ocid
        """

    init(row: PostgresRow) throws {
        let r = row.makeRandomAccess()
        self.init(
            id: try r.get("id"), kind: try r.get("kind"), state: JobState(rawValue: try r.get("state")) ?? .dead,
            payload: try r.get("payload"), priority: Int(try r.get("priority", as: Int64.self)),
            runAt: try r.date("run_at"), attempt: Int(try r.get("attempt", as: Int64.self)),
            maxAttempts: try r.get("max_attempts", as: Int64?.self).map(Int.init), uniqueKey: try r.get("unique_key"),
            worker: try r.get("worker"), lockedUntil: try r.optionalDate("locked_until"),
            createdAt: try r.date("created_at"), updatedAt: try r.date("updated_at"),
            finishedAt: try r.optionalDate("finished_at"), lastError: try r.get("last_error"),
            mgOCID: try r.get("mg_ocid", as: Int64?.self).map(UInt64.init(bitPattern:)))
    }
}

extension JobAttempt {
    init(row: PostgresRow) throws {
        let r = row.makeRandomAccess()
        self.init(
            jobID: try r.get("job_id"), attempt: Int(try r.get("attempt", as: Int64.self)), worker: try r.get("worker"),
            startedAt: try r.date("started_at"), durationMilliseconds: try r.get("duration_ms"),
            outcome: AttemptOutcome(rawValue: try r.get("outcome")) ?? .dead, error: try r.get("error"),
            httpStatus: try r.get("http_status", as: Int64?.self).map(Int.init),
            responseExcerpt: try r.get("response_excerpt"), note: try r.get("note"),
            nextRunAt: try r.optionalDate("next_run_at"))
    }
}

extension JobFilter {
    /// Appends this filter's conditions (`AND …`) to `query`: those of listings, counts and bulk actions alike.
    /// `beforeID` is a listing's alone (`applyPage`), so a count or a bulk action covers every match.
    func apply(to query: inout DynamicQuery) {
        if let state { query.append(" AND state = \(query.bind(state.rawValue))") }
        if let kind { query.append(" AND kind = \(query.bind(kind))") }
        if let mgOCID { query.append(" AND mg_ocid = \(query.bind(mgOCID.stored))") }
        if let since { query.append(" AND updated_at >= \(query.bind(since.millis))") }
        if let until { query.append(" AND updated_at < \(query.bind(until.millis))") }
        // A substring search, not LIKE: the operator's text is taken literally, `%` and `_` included.
        if let errorContains { query.append(" AND strpos(lower(last_error), lower(\(query.bind(errorContains)))) > 0") }
    }

    /// `apply` with a listing's keyset condition (`id < beforeID`).
    func applyPage(to query: inout DynamicQuery) {
        apply(to: &query)
        if let beforeID { query.append(" AND id < \(query.bind(beforeID))") }
    }
}
