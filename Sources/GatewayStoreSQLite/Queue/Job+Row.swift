import Foundation
import GRDB
import GatewayStore

extension Job {
    /// The columns `init(row:)` reads.
    static let columns = """
        id, kind, state, payload, priority, run_at, attempt, max_attempts, unique_key, worker, locked_until,
        created_at, updated_at, finished_at, last_error, mg_ocid
        """

    init(row: Row) {
        self.init(
            id: row["id"], kind: row["kind"], state: JobState(rawValue: row["state"]) ?? .dead, payload: row["payload"],
            priority: row["priority"], runAt: Date(millis: row["run_at"]), attempt: row["attempt"],
            maxAttempts: row["max_attempts"], uniqueKey: row["unique_key"], worker: row["worker"],
            lockedUntil: (row["locked_until"] as Int64?).map(Date.init(millis:)), createdAt: Date(millis: row["created_at"]),
            updatedAt: Date(millis: row["updated_at"]), finishedAt: (row["finished_at"] as Int64?).map(Date.init(millis:)),
            lastError: row["last_error"], mgOCID: (row["mg_ocid"] as Int64?).map(UInt64.init(bitPattern:)))
    }
}

extension JobAttempt {
    init(row: Row) {
        self.init(
            jobID: row["job_id"], attempt: row["attempt"], worker: row["worker"], startedAt: Date(millis: row["started_at"]),
            durationMilliseconds: row["duration_ms"], outcome: AttemptOutcome(rawValue: row["outcome"]) ?? .dead,
            error: row["error"], httpStatus: row["http_status"], responseExcerpt: row["response_excerpt"],
            note: row["note"], nextRunAt: (row["next_run_at"] as Int64?).map(Date.init(millis:)))
    }
}

extension JobFilter {
    /// The WHERE clause and its arguments (always valid SQL, `1` when nothing is filtered), shared by listings,
    /// counts and bulk actions. `beforeID` is a listing's alone (`pageClause`), so a count or a bulk action covers
    /// every match.
    var whereClause: (sql: String, arguments: StatementArguments) {
        var terms = ["1"]
        var arguments = StatementArguments()
        if let state { terms.append("state = ?"); arguments += [state.rawValue] }
        if let kind { terms.append("kind = ?"); arguments += [kind] }
        if let mgOCID { terms.append("mg_ocid = ?"); arguments += [Int64(bitPattern: mgOCID)] }
        if let since { terms.append("updated_at >= ?"); arguments += [since.millis] }
        if let until { terms.append("updated_at < ?"); arguments += [until.millis] }
        // A substring search, not LIKE: the operator's text is taken literally, `%` and `_` included. `lower` on
        // both sides folds ASCII letters alike.
        if let errorContains { terms.append("instr(lower(last_error), lower(?)) > 0"); arguments += [errorContains] }
        return (terms.joined(separator: " AND "), arguments)
    }

    /// `whereClause` with a listing's keyset condition (`id < beforeID`) added.
    var pageClause: (sql: String, arguments: StatementArguments) {
        guard let beforeID else { return whereClause }
        let (sql, arguments) = whereClause
        return (sql + " AND id < ?", arguments + [beforeID])
    }
}
