import ArgumentParser
import Foundation
import GatewayConfig
import GatewayCore
import GatewaySimulator
import GatewayStore

/// `ocgate bench serve`: `ocgate serve` as shipped, measured from outside. The served gateway is this binary in a
/// process of its own on a temporary spool with the configuration file (workers, metrics and logs as configured),
/// resolving a simulated MG and merchant through a registry file and their metadata on loopback, as a deployment
/// does. A second process replays pre-signed unique checkouts over keep-alive connections; then fresh ones to the
/// same process's checks-only route (`http.bench_ceiling`). Afterwards every 200 must be a stored session and every
/// job the checkouts started must have run. With `--duration` and `--rate` it runs an endurance test instead
/// (`ServeEndurance`): the same process at a paced rate for that long, its memory read every `--rss-every`.
struct ServeBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "`ocgate serve` in its own process, loaded from another: stored checkouts/s against its checks-only ceiling.")

    @OptionGroup var config: ConfigOptions
    @Option(help: "Requests per measurement.") var requests = 20_000
    @Option(help: "Concurrent keep-alive connections.") var connections = 64
    @Option(help: "How long to wait, after the stored phase, for the jobs its checkouts started, in seconds.")
    var timeout = 300
    @Option(help: "Endurance: how long to hold --rate (`90s`, `30m`, `1h`), instead of the two measured phases.")
    var duration: String?
    @Option(help: "Endurance: checkouts per second, on an open schedule (request i due at start + i/rate).")
    var rate = 0
    @Option(help: "Endurance: how often to read the serve process's resident memory (`1m`, `10s`).")
    var rssEvery = "1m"
    @Flag(help: "Print the results as one JSON object.") var json = false

    func validate() throws {
        guard requests > 0, connections > 0, timeout > 0 else {
            throw ValidationError("--requests, --connections and --timeout must be positive")
        }
        if duration != nil || rate != 0 {
            guard let duration = duration.flatMap(Duration.init(configText:)), duration > .zero, rate > 0 else {
                throw ValidationError("--duration (like 30m) and a positive --rate go together")
            }
            guard let every = Duration(configText: rssEvery), every > .zero else {
                throw ValidationError("--rss-every must be a positive duration, like 1m")
            }
        }
        if let path = config.path, !FileManager.default.fileExists(atPath: path) {
            throw ValidationError("--config \(path): file not found")
        }
    }

    func run() async throws {
        let scratch = try BenchScratch()
        defer { scratch.remove() }
        let setup = try await ServeBenchSetup(configPath: config.path, directory: scratch.directory)
        let served = try await ServedProcess.start(
            arguments: setup.serveArguments, environment: setup.environment, in: scratch.directory)
        defer { served.stop() }
        served.stopOnInterrupt(removing: scratch.directory)
        if let endurance { return try await endure(endurance, setup: setup, served: served) }
        let rssStart = ProcessSample.residentKiB(pid: served.pid)

        let cpuBefore = ProcessSample(pid: served.pid)
        let stored = try await load(path: "/checkout/create", name: "stored", setup: setup, port: served.port)
        let cpuAfter = ProcessSample(pid: served.pid)
        let drainStart = ContinuousClock.now
        let jobs = try await JobsOfCheckouts.awaitFinished(setup.runtime.stores.jobs, within: .seconds(timeout))
        let drained = ContinuousClock.now - drainStart
        let sessions = try await setup.runtime.stores.sessions.count()

        let ceiling = try await load(path: "/bench/checkout-checked", name: "ceiling", setup: setup, port: served.port)
        let rssEnd = ProcessSample.residentKiB(pid: served.pid)
        let exitStatus = served.stop()

        let report = ServeBenchReport(
            requests: requests, connections: connections, stored: stored, ceiling: ceiling, sessionsStored: sessions,
            jobs: jobs, jobsDrainSeconds: drained.seconds, cpu: ProcessSample.cpuSplit(from: cpuBefore, to: cpuAfter),
            rssStartKiB: rssStart, rssEndKiB: rssEnd, serveExitStatus: exitStatus)
        print(json ? try report.jsonLine() : report.text(config: setup.configDescription))
        if let problem = report.problem { throw CommandFailure(problem + (exitStatus == 0 ? "" : "; " + served.logTail)) }
    }

    /// The endurance test `--duration` and `--rate` ask for, or nil.
    private var endurance: ServeEndurance? {
        guard let duration = duration.flatMap(Duration.init(configText:)), let every = Duration(configText: rssEvery) else {
            return nil
        }
        return ServeEndurance(rate: rate, duration: duration, sampleEvery: every, connections: connections)
    }

    /// The endurance run, then the same checks as the measured phases: every 200 stored, every job run, exit 0.
    private func endure(_ endurance: ServeEndurance, setup: ServeBenchSetup, served: ServedProcess) async throws {
        let (load, cpu, rss) = try await endurance.run(setup: setup, served: served)
        let jobs = try await JobsOfCheckouts.awaitFinished(setup.runtime.stores.jobs, within: .seconds(timeout))
        let sessions = try await setup.runtime.stores.sessions.count()
        let exitStatus = served.stop()
        let report = ServeEnduranceReport(
            rate: rate, durationSeconds: endurance.duration.seconds, connections: connections, load: load, rss: rss,
            sessionsStored: sessions, jobs: jobs, cpu: cpu, serveExitStatus: exitStatus)
        print(json ? try report.jsonLine() : report.text(config: setup.configDescription))
        if let problem = report.problem { throw CommandFailure(problem + (exitStatus == 0 ? "" : "; " + served.logTail)) }
    }

    /// One measured phase: `requests` fresh checkouts to `path`, signed now, replayed by the load-generator process.
    private func load(path: String, name: String, setup: ServeBenchSetup, port: Int) async throws -> LoadSummary {
        let signed = setup.callers.requests(count: requests, gatewayURL: "http://127.0.0.1:\(port)", path: path)
        return try await ServeLoadCommand.launch(
            try signed.map { try KeepAliveLoad.serialise($0, port: port) }, port: port, connections: connections,
            file: setup.directory.appendingPathComponent("\(name).requests"), environment: setup.environment)
    }
}

/// The jobs the stored checkouts started (today `session.open`; whatever a later design enqueues per checkout),
/// told apart from recurring maintenance, which the schedule keeps enqueueing.
struct JobsOfCheckouts: Equatable {
    /// Succeeded jobs per kind.
    var succeeded: [String: Int] = [:]
    /// Jobs still queued or running, dead or cancelled.
    var unfinished = 0

    init(_ stats: JobStats) {
        for (key, count) in stats.counts where !GatewayJobs.maintenanceKinds.contains(key.kind) {
            if key.state == .succeeded { succeeded[key.kind, default: 0] += count } else { unfinished += count }
        }
    }

    /// Waits until no such job is queued or running (dead and cancelled ones count as unfinished but end the wait),
    /// at most `limit`, reading the spool's queue as another process on it does.
    static func awaitFinished(_ queue: any JobQueue, within limit: Duration) async throws -> JobsOfCheckouts {
        let deadline = ContinuousClock.now + limit
        while true {
            let stats = try await queue.stats(registeredKinds: [])
            let waiting = stats.counts.filter {
                !GatewayJobs.maintenanceKinds.contains($0.key.kind) && [JobState.queued, .running].contains($0.key.state)
            }
            if waiting.values.reduce(0, +) == 0 || ContinuousClock.now >= deadline { return JobsOfCheckouts(stats) }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
