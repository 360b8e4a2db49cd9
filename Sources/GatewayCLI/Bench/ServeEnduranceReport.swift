import Foundation

/// What `ocgate bench serve --duration D --rate R` measured and checked, as text or as one JSON object.
struct ServeEnduranceReport {
    let rate: Int
    let durationSeconds: Double
    let connections: Int
    let load: LoadSummary
    let rss: RSSSeries
    let sessionsStored: Int
    let jobs: JobsOfCheckouts
    let cpu: [(group: String, percent: Double)]
    let serveExitStatus: Int32

    var problem: String? {
        ServeBenchReport.problem(
            phases: [("endurance", load)], sessionsStored: sessionsStored, jobs: jobs, serveExitStatus: serveExitStatus)
    }

    func jsonLine() throws -> String { try reportJSONLine(JSON(self)) }

    func text(config: String) -> String {
        func kib(_ value: Int?) -> String { value.map { "\($0) KiB" } ?? "unknown" }
        let jobsRun = tally(jobs.succeeded)
        return [
            String(
                format: "ocgate bench serve: %d checkouts/s for %.0f s (%d scheduled), %d connections, configuration %@",
                rate, durationSeconds, load.requests, connections, config),
            String(
                format: "  achieved %.0f req/s  p50 %.2f ms  p99 %.2f ms  p99.9 %.2f ms  statuses %@  errors %d%@",
                load.perSecond, load.p50Ms, load.p99Ms, load.p999Ms, tally(load.statuses), load.errors,
                load.failure.map { "  FAILED: \($0)" } ?? ""),
            String(
                format: "  sessions stored %d of %d answered 200; jobs run: %@, unfinished %d", sessionsStored, load.ok,
                jobsRun.isEmpty ? "none" : jobsRun, jobs.unfinished),
            "  serve CPU by thread: " + cpuText(cpu),
            "  serve RSS: start \(kib(rss.start)), after \(Int(rss.every)) s \(kib(rss.warm)), end \(kib(rss.end)), max \(kib(rss.max))"
                + (rss.slopePerMinute.map { String(format: ", last two thirds %+.0f KiB/min", $0) } ?? ""),
            "  serve RSS every \(Int(rss.every)) s (KiB): " + rss.all.map { $0.map(String.init) ?? "?" }.joined(separator: " "),
        ].joined(separator: "\n")
    }

    /// The JSON object: numbers rounded for reading, snake_case keys.
    private struct JSON: Encodable {
        let rate: Int
        let durationS: Double
        let connections: Int
        let requests: Int
        let achievedPerS: Double
        let p50Ms: Double
        let p99Ms: Double
        let p999Ms: Double
        let errors: Int
        let statuses: [String: Int]
        let sessionsStored: Int
        let jobsRun: [String: Int]
        let jobsUnfinished: Int
        let cpuByThread: [String: Double]
        let rssStartKb: Int?
        let rssWarmKb: Int?
        let rssEndKb: Int?
        let rssMaxKb: Int?
        let rssSeriesKb: [Int?]
        let rssEveryS: Double
        let rssSlopeKbPerMin: Double?
        let serveExitStatus: Int32
        let failure: String?

        enum CodingKeys: String, CodingKey {
            case rate
            case durationS = "duration_s"
            case connections
            case requests
            case achievedPerS = "achieved_per_s"
            case p50Ms = "p50_ms"
            case p99Ms = "p99_ms"
            case p999Ms = "p999_ms"
            case errors
            case statuses
            case sessionsStored = "sessions_stored"
            case jobsRun = "jobs_run"
            case jobsUnfinished = "jobs_unfinished"
            case cpuByThread = "cpu_by_thread"
            case rssStartKb = "rss_start_kb"
            case rssWarmKb = "rss_warm_kb"
            case rssEndKb = "rss_end_kb"
            case rssMaxKb = "rss_max_kb"
            case rssSeriesKb = "rss_series_kb"
            case rssEveryS = "rss_every_s"
            case rssSlopeKbPerMin = "rss_slope_kb_per_min"
            case serveExitStatus = "serve_exit_status"
            case failure
        }

        init(_ report: ServeEnduranceReport) {
            rate = report.rate
            durationS = rounded(report.durationSeconds, 3)
            connections = report.connections
            requests = report.load.requests
            achievedPerS = rounded(report.load.perSecond, 1)
            p50Ms = rounded(report.load.p50Ms)
            p99Ms = rounded(report.load.p99Ms)
            p999Ms = rounded(report.load.p999Ms)
            errors = report.load.errors
            statuses = report.load.statuses
            sessionsStored = report.sessionsStored
            jobsRun = report.jobs.succeeded
            jobsUnfinished = report.jobs.unfinished
            cpuByThread = Dictionary(uniqueKeysWithValues: report.cpu.map { ($0.group, rounded($0.percent, 1)) })
            rssStartKb = report.rss.start
            rssWarmKb = report.rss.warm
            rssEndKb = report.rss.end
            rssMaxKb = report.rss.max
            rssSeriesKb = report.rss.all
            rssEveryS = rounded(report.rss.every, 3)
            rssSlopeKbPerMin = report.rss.slopePerMinute.map { rounded($0, 1) }
            serveExitStatus = report.serveExitStatus
            failure = report.problem
        }
    }
}
