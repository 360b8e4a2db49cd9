import Foundation
import GatewayCore
import GatewayStore
import Hummingbird

/// The jobs listing, a job's page, and the single and bulk retry and cancel.
struct JobsPages: Sendable {
    static let pageSize = 50
    static let filterNames = ["kind", "state", "mg", "since", "until", "error"]

    let stores: GatewayStores
    let actions: ConsoleActions
    let kit: PageKit

    func register(on router: Router<ConsoleRequestContext>) {
        router.get("/jobs") { request, context in try await list(request, context) }
        router.get("/jobs/bulk") { request, context in try await confirmBulk(request, context) }
        router.post("/jobs/bulk") { _, context in try await bulk(context) }
        router.get("/jobs/:id") { _, context in try await show(context) }
        router.post("/jobs/:id/retry") { _, context in
            let id = try Self.id(context)
            return try await kit.after(context, actions.retry(job: id, client: context.client), to: "/jobs/\(id)")
        }
        router.post("/jobs/:id/cancel") { _, context in
            let id = try Self.id(context)
            return try await kit.after(context, actions.cancel(job: id, client: context.client), to: "/jobs/\(id)")
        }
    }

    /// The filter a query string or a posted form asks for.
    static func filter(_ fields: FilterFields) throws -> JobFilter {
        let (since, until) = try fields.timeRange()
        return JobFilter(
            state: try fields.choice("state", JobState.self), kind: fields.text("kind"),
            mgOCID: try fields.number("mg", "mg"), since: since, until: until, errorContains: fields.text("error"))
    }

    private func list(_ request: Request, _ context: ConsoleRequestContext) async throws -> Response {
        let fields = FilterFields(fields: PageKit.query(request), names: Self.filterNames)
        var filter = try Self.filter(fields)
        filter.beforeID = try fields.number("before", "before")
        filter.limit = Self.pageSize + 1
        let jobs = try await stores.jobs.list(filter)
        let (shown, next) = PageKit.paginate(jobs, size: Self.pageSize) { "\($0.id)" }
        // The registered kinds, not the table's: counting a million rows for a menu would cost more than the page.
        let kinds = GatewayJobs.kinds.union(filter.kind.map { [$0] } ?? []).sorted()
        let values: [String: Any] = [
            "filter": fields.values,
            "kinds": kinds.map { ["name": $0, "selected": $0 == filter.kind] },
            "stateChoices": JobState.allCases.map { ["name": $0.rawValue, "selected": $0 == filter.state] },
            "rows": shown.map(Self.row),
            "next": next,
        ]
        return try kit.page(context, .jobs, "jobs", title: "Jobs", values)
    }

    private func confirmBulk(_ request: Request, _ context: ConsoleRequestContext) async throws -> Response {
        let fields = PageKit.query(request)
        let action = try FilterFields(fields: fields, names: ["action"]).choice("action", BulkAction.self) ?? .retry
        let filterFields = FilterFields(fields: fields, names: Self.filterNames)
        let filter = try Self.filter(filterFields)
        let count = try await action.count(filter, in: stores.jobs)
        let values: [String: Any] = [
            "verb": action.verb, "done": action.done, "action": action.rawValue, "count": count,
            "description": Self.describe(filterFields), "query": filterFields.query,
            "fields": filterFields.given.map { ["name": $0.name, "value": $0.value] },
        ]
        return try kit.page(context, .jobs, "bulk", title: "\(action.verb) jobs", values)
    }

    private func bulk(_ context: ConsoleRequestContext) async throws -> Response {
        let fields = FilterFields(fields: context.form, names: Self.filterNames)
        guard let action = try FilterFields(fields: context.form, names: ["action"]).choice("action", BulkAction.self)
        else { throw ConsoleError.badRequest("action must be retry or cancel") }
        let flash = try await actions.bulk(
            action, try Self.filter(fields), description: Self.describe(fields), client: context.client)
        return try kit.after(context, flash, to: "/jobs?" + fields.query)
    }

    private func show(_ context: ConsoleRequestContext) async throws -> Response {
        let id = try Self.id(context)
        guard let detail = try await stores.jobs.show(id: id) else { throw ConsoleError.notFound("job \(id) does not exist") }
        let job = detail.job
        // The listing's row, and what only the job's own page shows.
        var values = Self.row(job)
        values.merge([
            "uniqueKey": job.uniqueKey ?? "", "runAt": ConsoleRenderer.time(job.runAt),
            "created": ConsoleRenderer.time(job.createdAt), "worker": job.worker ?? "",
            "canRetry": BulkAction.retry.states.contains(job.state),
            "canCancel": BulkAction.cancel.states.contains(job.state),
            "payload": Self.readable(job.payload), "attempts": detail.attempts.reversed().map(Self.row),
        ]) { _, new in new }
        if let maxAttempts = job.maxAttempts { values["maxAttempts"] = maxAttempts }
        if let session = Self.sessionID(of: job) { values["session"] = session }
        return try kit.page(context, .jobs, "job", title: "Job \(job.id)", values)
    }

    // MARK: Pieces

    static func row(_ job: Job) -> [String: Any] {
        [
            "id": job.id, "kind": job.kind, "state": job.state.rawValue, "bad": job.state == .dead,
            "attempt": job.attempt, "mg": job.mgOCID.map { "\($0)" } ?? "",
            "changed": ConsoleRenderer.time(job.updatedAt), "error": job.lastError ?? "",
        ]
    }

    static func row(_ attempt: JobAttempt) -> [String: Any] {
        var row: [String: Any] = [
            "attempt": attempt.attempt, "started": ConsoleRenderer.time(attempt.startedAt),
            "duration": "\(attempt.durationMilliseconds) ms", "outcome": attempt.outcome.rawValue,
            "bad": attempt.outcome != .succeeded && attempt.outcome != .released,
            "http": attempt.httpStatus.map { "\($0)" } ?? "", "error": attempt.error ?? "",
            "note": attempt.note ?? "", "next": ConsoleRenderer.time(attempt.nextRunAt),
        ]
        if let response = attempt.responseExcerpt, !response.isEmpty { row["response"] = response }
        return row
    }

    /// The payload as text: JSON pretty-printed when it is JSON, else as UTF-8 (escaped on the page either way).
    static func readable(_ payload: Data) -> String {
        if let object = try? JSONSerialization.jsonObject(with: payload),
            let pretty = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        {
            return String(decoding: pretty, as: UTF8.self)
        }
        return String(decoding: payload, as: UTF8.self)
    }

    /// The session a job works on, for a link back to it.
    private static func sessionID(of job: Job) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: job.payload) as? [String: Any] else { return nil }
        return object["session"] as? String
    }

    /// The filter in words, for the confirmation and the audit log.
    static func describe(_ fields: FilterFields) -> String {
        let given = fields.given
        return given.isEmpty ? "every job" : given.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
    }

    static func id(_ context: ConsoleRequestContext) throws -> Int64 {
        guard let text = context.parameters.get("id"), let id = Int64(text) else {
            throw ConsoleError.badRequest("a job id is a whole number")
        }
        return id
    }
}
