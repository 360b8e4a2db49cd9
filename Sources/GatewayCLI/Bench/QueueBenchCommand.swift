import ArgumentParser
import Foundation
import GatewayAssembly
import GatewayConfig
import GatewayStore
import Opencharge

/// `ocgate bench queue`: the queue's throughput goals, measured on a scratch database.
struct QueueBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Batched enqueue→claim→complete jobs/s, single durable enqueues/s, and raw SQLite commits/s for comparison.")

    @Option(help: "Jobs pushed through the batched pipeline.") var jobs = 100_000
    @Option(help: "Jobs per enqueue, claim and complete transaction.") var batch = 100
    @Option(help: "Pipelines running at once on the one queue, as that many worker processes would.") var workers = 1
    @Option(help: "Single-job enqueues and raw commits measured.") var singles = 2_000
    @Option(help: "full (fsync every commit) or normal; SQLite's (PostgreSQL commits as its server is set up).")
    var durability: BenchDurability = .full
    @OptionGroup var storage: BenchStoreOptions
    @Flag(help: "Print JSON.") var json = false

    /// The `store.durability` levels, as a command-line value.
    enum BenchDurability: String, ExpressibleByArgument, CaseIterable {
        case full, normal
    }

    func validate() throws {
        guard jobs > 0, batch > 0, workers > 0, singles > 0 else {
            throw ValidationError("--jobs, --batch, --workers and --singles must be positive")
        }
    }

    func run() async throws {
        let scratch = try BenchScratch()
        defer { scratch.remove() }
        let store = try BenchStore(storage)
        defer { store.drop() }
        var configuration = GatewayConfiguration(
            gateway: GatewaySection(ocid: 200, name: "bench gateway", keyFile: "", publicURL: "http://127.0.0.1", currencies: ["USD"]),
            spool: SpoolSection(dir: scratch.directory.path))
        configuration.store.durability = durability == .full ? .full : .normal
        let (result, headroom) = try await store.measure(operations: jobs + singles) {
            try await GatewayAssembly.benchmarkQueue(
                store.configure(configuration), jobs: jobs, batch: batch, workers: workers, singles: singles)
        }
        let ratio = result.singleEnqueuesPerSecond / result.rawCommitsPerSecond
        if json {
            let report = try JSONParser.parse(
                #"{"durability":"\#(durability.rawValue)","jobs":\#(jobs),"batch":\#(batch),"workers":\#(workers),"singles":\#(singles),"#
                    + #""pipeline_jobs_per_second":\#(Int(result.pipelineJobsPerSecond)),"#
                    + #""single_enqueues_per_second":\#(Int(result.singleEnqueuesPerSecond)),"#
                    + #""raw_commits_per_second":\#(Int(result.rawCommitsPerSecond)),"#
                    + #""single_to_raw_ratio":\#((ratio * 1000).rounded() / 1000)}"#)
            print(CanonicalJSON.string(store.annotate(report, headroom: headroom)))
        } else {
            let engine = store.database == nil ? "SQLite" : "PostgreSQL"
            let loops = "\(workers) worker\(workers == 1 ? "" : "s")"
            print(
                "ocgate bench queue: durability \(durability.rawValue), \(jobs) jobs in batches of \(batch) by \(loops),"
                    + " \(singles) singles, \(store.backend)")
            print("  enqueue→claim→complete   \(Int(result.pipelineJobsPerSecond)) jobs/s")
            print("  single durable enqueue   \(Int(result.singleEnqueuesPerSecond)) enqueues/s")
            print("  raw \(engine) single commit \(Int(result.rawCommitsPerSecond)) commits/s")
            print("  single / raw             \(Int((ratio * 100).rounded())) %")
            if let headroom { print(headroom.text) }
        }
    }
}
