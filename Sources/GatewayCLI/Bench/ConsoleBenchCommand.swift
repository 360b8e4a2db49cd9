import ArgumentParser
import Foundation
import GatewayConfig
import GatewayCore
import GatewayStore
import Opencharge

/// `ocgate bench console`: a spool with many jobs and sessions, served by `ocgate serve` as shipped (in its own
/// process, workers off so the rows stay as seeded), and every console page timed from outside after logging in
/// with the operator token. The goal: every page answers in 100 ms or less with 100,000 jobs and 100,000 sessions.
struct ConsoleBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Seed many jobs and sessions, serve them, and time every console page (goal: ≤ 100 ms each).")

    @OptionGroup var config: ConfigOptions
    @Option(help: "Jobs to seed.") var jobs = 100_000
    @Option(help: "Sessions to seed.") var sessions = 100_000
    @Option(help: "Timed requests per page (after three untimed ones).") var rounds = 30
    @Option(help: "Seed into this folder and keep it (spool/, gateway.key, token) instead of a temporary one.")
    var keep: String?
    @Flag(help: "Seed and stop: serve the kept folder yourself (the browser check does).") var seedOnly = false
    @Flag(help: "Print the results as one JSON object.") var json = false

    static let goalMilliseconds = 100.0

    func validate() throws {
        guard jobs >= 100, sessions >= 100, rounds > 0 else {
            throw ValidationError("--jobs and --sessions must be at least 100, --rounds positive")
        }
        guard !seedOnly || keep != nil else { throw ValidationError("--seed-only needs --keep DIR to leave the spool in") }
    }

    func run() async throws {
        let scratch = try BenchScratch()
        let directory = keep.map { URL(fileURLWithPath: $0).absoluteURL } ?? scratch.directory
        defer { if keep == nil { scratch.remove() } }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // A fresh operator token for the served process.
        let token = Hex.random(byteCount: 24)
        try Data(token.utf8).write(to: directory.appendingPathComponent("admin.token"))
        let keyFile = directory.appendingPathComponent("gateway.key").path
        if !FileManager.default.fileExists(atPath: keyFile) {
            try KeyFile.write(PrivateKey.generate(), to: keyFile, replacing: false)
        }
        var environment = ProcessInfo.processInfo.environment
        environment.merge([
            "OCGATE_SPOOL_DIR": directory.appendingPathComponent("spool").path, "OCGATE_GATEWAY_KEY_FILE": keyFile,
            "OCGATE_HTTP_HOST": "127.0.0.1", "OCGATE_HTTP_BASE_PATH": "", "OCGATE_ADMIN_HOST": "127.0.0.1",
            "OCGATE_ADMIN_TOKEN": token, "OCGATE_LOG_ACCESS": "false",
        ]) { $1 }

        let configuration: GatewayConfiguration
        var configArguments: [String] = []
        do {
            var file = try ConfigFile.choose(named: config.path, environment: environment)
            if case .path(let path) = file {
                let absolute = URL(fileURLWithPath: path).absoluteURL.path
                file = .path(absolute)
                configArguments = ["--config", absolute]
            }
            configuration = try GatewayConfiguration.load(file, environment: environment)
        } catch { throw CommandFailure(error.description) }
        let runtime = try RuntimeOptions.open(configuration)
        let seedStart = ContinuousClock.now
        let seed = ConsoleSeed(stores: runtime.stores, now: Date())
        try await seed.partners()
        try await seed.jobs(jobs)
        try await seed.sessions(sessions)
        // What a real store's statistics would say by now (PostgreSQL's autovacuum gathers them minutes after a
        // table grows; the seed fills it in seconds): the pages are timed as an operator meets them on a running
        // gateway, not in the minute after a bulk load.
        try await runtime.stores.maintenance.refreshStatistics()
        let seeded = ContinuousClock.now - seedStart
        if !json { print("seeded \(jobs) jobs and \(sessions) sessions in \(String(format: "%.1f", seeded.seconds)) s") }
        if seedOnly { return }

        let adminPort = try ServedProcess.freeLoopbackPort()
        environment["OCGATE_ADMIN_PORT"] = String(adminPort)
        let served = try await ServedProcess.start(
            arguments: ["--no-workers"] + configArguments,
            // Where the bench runs: the configuration's relative paths (registry.file) mean the same to both.
            environment: environment, in: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        defer { served.stop() }
        served.stopOnInterrupt(removing: directory)

        let browser = try ConsoleProbe.loggedIn(port: adminPort, token: token)
        let sample = try await samplePaths(runtime.stores)
        var results: [(path: String, timing: PageTiming)] = []
        for path in sample {
            results.append((path, try browser.time(path, rounds: rounds)))
        }
        let report = ConsoleBenchReport(jobs: jobs, sessions: sessions, rounds: rounds, pages: results)
        print(json ? report.json : report.text)
        if let slowest = results.max(by: { $0.timing.p99 < $1.timing.p99 }), slowest.timing.p99 > Self.goalMilliseconds {
            throw CommandFailure("\(slowest.path) answered in \(String(format: "%.1f", slowest.timing.p99)) ms at p99, over the 100 ms goal")
        }
    }

    /// Every page, with filters that exercise each index, a deep page of the listing, and the pages of one job and
    /// one session from the middle of the seed.
    private func samplePaths(_ stores: GatewayStores) async throws -> [String] {
        let middleJob = Int64(jobs / 2)
        let session = String(format: "cs_seed_%08d", sessions / 2)
        return [
            "/", "/jobs", "/jobs?state=dead", "/jobs?kind=callback.deliver&mg=302", "/jobs?state=dead&mg=301", "/jobs?kind=payment.poll&mg=303",
            "/jobs?error=timeout", "/jobs?before=\(middleJob)", "/jobs/\(middleJob)",
            "/jobs/bulk?action=retry&state=dead&mg=300", "/sessions", "/sessions?q=order-\(sessions / 3)",
            "/sessions?mg=301&status=pending", "/sessions/\(session)", "/mgs", "/settlement", "/audit",
        ]
    }
}

/// How long one page took over its rounds, in milliseconds.
struct PageTiming: Equatable {
    let p50: Double
    let p99: Double
    let max: Double
    let bytes: Int

    init(milliseconds: [Double], bytes: Int) {
        let sorted = milliseconds.sorted()
        func at(_ fraction: Double) -> Double { sorted[Swift.min(sorted.count - 1, Int(Double(sorted.count) * fraction))] }
        p50 = at(0.5)
        p99 = at(0.99)
        max = sorted.last ?? 0
        self.bytes = bytes
    }
}

struct ConsoleBenchReport {
    let jobs: Int
    let sessions: Int
    let rounds: Int
    let pages: [(path: String, timing: PageTiming)]

    var text: String {
        var lines = ["console pages with \(jobs) jobs and \(sessions) sessions, \(rounds) requests each (ms):",
            "p50      p99      max      bytes    page"]
        for (path, timing) in pages {
            let cells = [timing.p50, timing.p99, timing.max].map { String(format: "%-8.1f", $0) }
            lines.append(cells.joined(separator: " ") + " " + String(timing.bytes).padding(toLength: 8, withPad: " ", startingAt: 0) + " " + path)
        }
        return lines.joined(separator: "\n")
    }

    var json: String {
        let value: JSONValue = [
            "jobs": .integer(jobs), "sessions": .integer(sessions), "rounds": .integer(rounds),
            "pages": .array(pages.map { path, timing in
                [
                    "path": .string(path), "p50_ms": .string(String(format: "%.2f", timing.p50)),
                    "p99_ms": .string(String(format: "%.2f", timing.p99)), "max_ms": .string(String(format: "%.2f", timing.max)),
                    "bytes": .integer(timing.bytes),
                ]
            }),
        ]
        return CanonicalJSON.string(value)
    }
}
