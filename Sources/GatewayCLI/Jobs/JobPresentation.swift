import Foundation
import GatewayStore
import Opencharge

/// How jobs and attempts read on the terminal and in `--json`.
enum JobPresentation {
    static func time(_ date: Date) -> String { date.formatted(.iso8601) }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func json(_ job: Job) -> JSONValue {
        var fields: [(key: String, value: JSONValue)] = [
            ("id", .integer(job.id)), ("kind", .string(job.kind)), ("state", .string(job.state.rawValue)),
            ("priority", .integer(job.priority)), ("attempt", .integer(job.attempt)),
            ("run_at", .string(time(job.runAt))), ("created_at", .string(time(job.createdAt))),
            ("updated_at", .string(time(job.updatedAt))),
        ]
        if let maxAttempts = job.maxAttempts { fields.append(("max_attempts", .integer(maxAttempts))) }
        if let key = job.uniqueKey { fields.append(("unique_key", .string(key))) }
        if let mg = job.mgOCID { fields.append(("mg_ocid", .integer(mg))) }
        if let worker = job.worker { fields.append(("worker", .string(worker))) }
        if let finished = job.finishedAt { fields.append(("finished_at", .string(time(finished)))) }
        if let error = job.lastError { fields.append(("last_error", .string(error))) }
        return .object(JSONObject(fields))
    }

    static func json(_ attempt: JobAttempt) -> JSONValue {
        var fields: [(key: String, value: JSONValue)] = [
            ("attempt", .integer(attempt.attempt)), ("outcome", .string(attempt.outcome.rawValue)),
            ("started_at", .string(time(attempt.startedAt))), ("duration_ms", .integer(attempt.durationMilliseconds)),
        ]
        if let worker = attempt.worker { fields.append(("worker", .string(worker))) }
        if let error = attempt.error { fields.append(("error", .string(error))) }
        if let status = attempt.httpStatus { fields.append(("http_status", .integer(status))) }
        if let excerpt = attempt.responseExcerpt { fields.append(("response_excerpt", .string(excerpt))) }
        if let note = attempt.note { fields.append(("note", .string(note))) }
        if let next = attempt.nextRunAt { fields.append(("next_run_at", .string(time(next)))) }
        return .object(JSONObject(fields))
    }

    /// One listing line: id, state, kind, attempt, last change, last error.
    static func line(_ job: Job) -> String {
        var text = "\(job.id)\t\(job.state.rawValue)\t\(job.kind)\tattempt \(job.attempt)\t\(time(job.updatedAt))"
        if let error = job.lastError { text += "\t\(error)" }
        return text
    }

    static func line(_ attempt: JobAttempt) -> String {
        var text = "  #\(attempt.attempt) \(attempt.outcome.rawValue) at \(time(attempt.startedAt)) "
            + "(\(attempt.durationMilliseconds) ms) on \(attempt.worker ?? "-")"
        if let status = attempt.httpStatus { text += " HTTP \(status)" }
        if let error = attempt.error { text += ": \(error)" }
        if let note = attempt.note { text += " — \(note)" }
        return text
    }

    static func print(_ value: JSONValue) { Swift.print(CanonicalJSON.string(value)) }
}
