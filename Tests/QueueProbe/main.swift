// QueueProbe: a worker or enqueuer process that GatewayStoreTests spawns to exercise the queue across
// processes, and a quick benchmark runner.
//
//   QueueProbe work <db> [--concurrency N] [--lease-ms L] [--heartbeat-ms H] [--handler-ms D]
//       Runs probe.count jobs until no work is left; each run records a row in probe_runs.
//   QueueProbe enqueue <db> --count N --key-prefix P
//       Enqueues N probe.count jobs with unique keys P0…P(N-1), one transaction each; prints inserted count.
//   QueueProbe bench <dir> [--jobs N] [--batch B] [--singles S] [--durability full|normal]
import Foundation
import GatewayStore
import GatewayStoreSQLite
import Logging
import ServiceLifecycle
import UnixSignals

let arguments = CommandLine.arguments
func option(_ name: String, _ fallback: Int) -> Int {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return fallback }
    return Int(arguments[index + 1]) ?? fallback
}
func text(_ name: String, _ fallback: String) -> String {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return fallback }
    return arguments[index + 1]
}

guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: QueueProbe work|enqueue|bench <path> [options]\n".utf8))
    exit(2)
}
let mode = arguments[1]
let path = arguments[2]

switch mode {
case "work":
    let queue = try SQLiteBackend.open(path: path, durability: .normal).stores.jobs
    var registry = JobRegistry()
    registry.register(ProbeCounter.kind, handler: try ProbeCounter(path: path, delay: .milliseconds(option("--handler-ms", 0))))
    let worker = JobWorker(
        queue: queue, registry: registry,
        configuration: JobWorkerConfiguration(
            concurrency: option("--concurrency", 4),
            lease: .milliseconds(option("--lease-ms", 30_000)),
            heartbeat: .milliseconds(option("--heartbeat-ms", 10_000)),
            pollInterval: .milliseconds(100)),
        logger: Logger(label: "probe"))
    let configuration = ServiceGroupConfiguration(
        services: [
            .init(service: worker),
            .init(service: IdleWatcher(queue: queue), successTerminationBehavior: .gracefullyShutdownGroup),
        ],
        gracefulShutdownSignals: [.sigterm, .sigint], logger: Logger(label: "probe"))
    let group = ServiceGroup(configuration: configuration)
    try await group.run()
case "enqueue":
    let queue = try SQLiteBackend.open(path: path, durability: .normal).stores.jobs
    let prefix = text("--key-prefix", "k")
    var inserted = 0
    for index in 0..<option("--count", 100) {
        let result = try await queue.enqueue(NewJob(kind: ProbeCounter.kind, uniqueKey: "\(prefix)\(index)"))
        if result.inserted { inserted += 1 }
    }
    print(inserted)
case "bench":
    let durability = Durability(rawValue: text("--durability", "full")) ?? .full
    let stamp = UUID().uuidString
    let result = try await QueueBenchmark.run(
        queue: try SQLiteBackend.open(path: "\(path)/bench-\(stamp).db", durability: durability).stores.jobs,
        rawCommit: try await SQLiteBackend.rawCommits(path: "\(path)/raw-\(stamp).db", durability: durability),
        jobs: option("--jobs", 100_000), batch: option("--batch", 500), singles: option("--singles", 500))
    print("durability=\(durability.rawValue)")
    print("pipeline enqueue→claim→complete: \(Int(result.pipelineJobsPerSecond)) jobs/s")
    print("single-job durable enqueue:      \(Int(result.singleEnqueuesPerSecond)) commits/s")
    print("raw single-row commit:           \(Int(result.rawCommitsPerSecond)) commits/s")
    print("single/raw: \(Int(100 * result.singleEnqueuesPerSecond / result.rawCommitsPerSecond)) %")
default:
    FileHandle.standardError.write(Data("unknown mode \(mode)\n".utf8))
    exit(2)
}
