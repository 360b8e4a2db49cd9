import Foundation

/// What `ocgate bench serve` measured and checked, as text or as one JSON object.
struct ServeBenchReport {
    let requests: Int
    let connections: Int
    let stored: LoadSummary
    let ceiling: LoadSummary
    let sessionsStored: Int
    let jobs: JobsOfCheckouts
    let jobsDrainSeconds: Double
    /// The serve process's CPU during the stored phase, per thread group, in percent.
    let cpu: [(group: String, percent: Double)]
    let rssStartKiB: Int?
    let rssEndKiB: Int?
    let serveExitStatus: Int32

    var errors: Int { stored.errors + ceiling.errors }
    var storedOverCeiling: Double { ceiling.perSecond > 0 ? stored.perSecond / ceiling.perSecond : 0 }

    /// Why the run does not count, or nil: an error answer or a failed connection, a 200 without its session, or a
    /// job of the checkouts that did not finish.
    var problem: String? {
        Self.problem(
            phases: [("stored", stored), ("ceiling", ceiling)], sessionsStored: sessionsStored, jobs: jobs,
            serveExitStatus: serveExitStatus)
    }

    /// The checks of every `bench serve` run, the first of `phases` being the one that stored checkouts.
    static func problem(
        phases: [(name: String, load: LoadSummary)], sessionsStored: Int, jobs: JobsOfCheckouts, serveExitStatus: Int32
    ) -> String? {
        var problems = phases.compactMap { phase in phase.load.failure.map { "the \(phase.name) phase failed: \($0)" } }
        let errors = phases.map(\.load.errors).reduce(0, +)
        if errors > 0 { problems.append("\(errors) requests were not answered 200") }
        let ok = phases.first?.load.ok ?? 0
        if sessionsStored != ok { problems.append("\(ok) checkouts answered 200 but \(sessionsStored) sessions stored") }
        if jobs.unfinished > 0 { problems.append("\(jobs.unfinished) jobs of the checkouts did not finish") }
        if serveExitStatus != 0 { problems.append("ocgate serve exited with status \(serveExitStatus) after SIGTERM") }
        return problems.isEmpty ? nil : problems.joined(separator: "; ")
    }

    func jsonLine() throws -> String { try reportJSONLine(JSON(self)) }

    func text(config: String) -> String {
        func phase(_ name: String, _ run: LoadSummary) -> String {
            String(
                format: "  %@ %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  p99.9 %6.2f ms  statuses %@%@", name, run.perSecond,
                run.p50Ms, run.p99Ms, run.p999Ms, tally(run.statuses), run.failure.map { "  FAILED: \($0)" } ?? "")
        }
        let jobsRun = tally(jobs.succeeded)
        return [
            "ocgate bench serve: \(requests) requests a phase, \(connections) connections, configuration \(config)",
            phase("stored  (POST /checkout/create)        ", stored),
            phase("ceiling (POST /bench/checkout-checked) ", ceiling),
            String(format: "  stored / ceiling %.2f; errors %d", storedOverCeiling, errors),
            String(
                format: "  sessions stored %d of %d answered 200; jobs run: %@ (none left %.1f s after the stored phase), unfinished %d",
                sessionsStored, stored.ok, jobsRun.isEmpty ? "none" : jobsRun, jobsDrainSeconds, jobs.unfinished),
            "  serve CPU by thread, stored phase: " + cpuText(cpu),
            "  serve RSS: start \(rssStartKiB.map { "\($0) KiB" } ?? "unknown"), end \(rssEndKiB.map { "\($0) KiB" } ?? "unknown")",
        ].joined(separator: "\n")
    }

    /// The JSON object: numbers rounded for reading, snake_case keys.
    private struct JSON: Encodable {
        let requests: Int
        let connections: Int
        let storedPerS: Double
        let ceilingPerS: Double
        let storedOverCeiling: Double
        let p50Ms: Double
        let p99Ms: Double
        let p999Ms: Double
        let ceilingP50Ms: Double
        let ceilingP99Ms: Double
        let ceilingP999Ms: Double
        let errors: Int
        let storedStatuses: [String: Int]
        let ceilingStatuses: [String: Int]
        let sessionsStored: Int
        let jobsRun: [String: Int]
        let jobsUnfinished: Int
        let jobsDrainS: Double
        let cpuByThread: [String: Double]
        let rssStartKb: Int?
        let rssEndKb: Int?
        let serveExitStatus: Int32
        let failure: String?

        enum CodingKeys: String, CodingKey {
            case requests
            case connections
            case storedPerS = "stored_per_s"
            case ceilingPerS = "ceiling_per_s"
            case storedOverCeiling = "stored_over_ceiling"
            case p50Ms = "p50_ms"
            case p99Ms = "p99_ms"
            case p999Ms = "p999_ms"
            case ceilingP50Ms = "ceiling_p50_ms"
            case ceilingP99Ms = "ceiling_p99_ms"
            case ceilingP999Ms = "ceiling_p999_ms"
            case errors
            case storedStatuses = "stored_statuses"
            case ceilingStatuses = "ceiling_statuses"
            case sessionsStored = "sessions_stored"
            case jobsRun = "jobs_run"
            case jobsUnfinished = "jobs_unfinished"
            case jobsDrainS = "jobs_drain_s"
            case cpuByThread = "cpu_by_thread"
            case rssStartKb = "rss_start_kb"
            case rssEndKb = "rss_end_kb"
            case serveExitStatus = "serve_exit_status"
            case failure
        }

        init(_ report: ServeBenchReport) {
            requests = report.requests
            connections = report.connections
            storedPerS = rounded(report.stored.perSecond, 0)
            ceilingPerS = rounded(report.ceiling.perSecond, 0)
            storedOverCeiling = rounded(report.storedOverCeiling, 3)
            p50Ms = rounded(report.stored.p50Ms)
            p99Ms = rounded(report.stored.p99Ms)
            p999Ms = rounded(report.stored.p999Ms)
            ceilingP50Ms = rounded(report.ceiling.p50Ms)
            ceilingP99Ms = rounded(report.ceiling.p99Ms)
            ceilingP999Ms = rounded(report.ceiling.p999Ms)
            errors = report.errors
            storedStatuses = report.stored.statuses
            ceilingStatuses = report.ceiling.statuses
            sessionsStored = report.sessionsStored
            jobsRun = report.jobs.succeeded
            jobsUnfinished = report.jobs.unfinished
            jobsDrainS = rounded(report.jobsDrainSeconds)
            cpuByThread = Dictionary(uniqueKeysWithValues: report.cpu.map { ($0.group, rounded($0.percent, 1)) })
            rssStartKb = report.rssStartKiB
            rssEndKb = report.rssEndKiB
            serveExitStatus = report.serveExitStatus
            failure = report.problem
        }
    }
}

/// A `bench serve` report's JSON object as one line, keys sorted.
func reportJSONLine(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// Counts by name as a report prints them, in name order: `200×19998 503×2`.
func tally(_ counts: [String: Int]) -> String {
    counts.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " ")
}

/// The serve process's CPU split over its thread groups, as a report prints it.
func cpuText(_ cpu: [(group: String, percent: Double)]) -> String {
    cpu.map { String(format: "%@ %.1f %%", $0.group, $0.percent) }.joined(separator: ", ")
}

/// `value` rounded to `places` decimals, for a report's JSON.
func rounded(_ value: Double, _ places: Double = 2) -> Double {
    let scale = pow(10, places)
    return (value * scale).rounded() / scale
}
