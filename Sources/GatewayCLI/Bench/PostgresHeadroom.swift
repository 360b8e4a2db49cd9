import Foundation
import GatewayAssembly
import GatewayStore
import Opencharge

/// What a measured load cost the PostgreSQL server on this machine: commits in the bench's database, WAL records,
/// writes and flushes (`pg_stat_database`, `pg_stat_wal`), and the CPU time of every process named `postgres` next
/// to the bench process's own. Counts the whole server (another client's work on it counts too), so it is measured
/// on a quiet machine.
struct PostgresHeadroom {
    /// The counters at one instant.
    struct Sample {
        let at: ContinuousClock.Instant
        /// CPU clock ticks (user + system) of every `postgres` process, and of this one.
        let serverTicks: Int
        let benchTicks: Int
        var activity: DatabaseActivity

        static func now(_ database: BenchDatabase) throws -> Sample {
            Sample(at: .now, serverTicks: serverTicks(), benchTicks: ticks(stat: "/proc/self/stat") ?? 0,
                activity: try database.activity())
        }

        /// utime + stime of each process whose name is `postgres`; a process gone in between is not counted.
        static func serverTicks() -> Int {
            let pids = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).filter { Int($0) != nil }
            return pids.compactMap { pid -> Int? in
                guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                    let process = ProcessSample.thread(stat: stat), process.name == "postgres"
                else { return nil }
                return process.ticks
            }.reduce(0, +)
        }

        static func ticks(stat path: String) -> Int? {
            (try? String(contentsOfFile: path, encoding: .utf8)).flatMap(ProcessSample.thread(stat:))?.ticks
        }
    }

    /// Length of the load, in seconds.
    let seconds: Double
    let operations: Int
    /// The server's counters over the load.
    let activity: DatabaseActivity
    /// CPU seconds spent over the load by the server's processes and by the bench process.
    let serverCPU: Double
    let benchCPU: Double
    let cores = ProcessInfo.processInfo.activeProcessorCount

    /// The load ran from `before` until now. The CPU is read at once; the database counters after 1.2 s, since a
    /// PostgreSQL backend reports its counters at most once a second (the bench is idle then).
    init(from before: Sample, database: BenchDatabase, operations: Int) async throws {
        let end = ContinuousClock.now
        let server = Sample.serverTicks()
        let bench = Sample.ticks(stat: "/proc/self/stat") ?? 0
        try await Task.sleep(for: .milliseconds(1_200))
        let tick = Double(sysconf(Int32(_SC_CLK_TCK)))
        seconds = (end - before.at).seconds
        self.operations = operations
        activity = try database.activity().since(before.activity)
        serverCPU = Double(server - before.serverTicks) / tick
        benchCPU = Double(bench - before.benchTicks) / tick
    }

    private func perSecond(_ count: Int64) -> Int64 { Int64((Double(count) / seconds).rounded()) }
    /// Share of the machine (every core over the load), in percent.
    private func share(_ cpu: Double) -> Double { cpu * 100 / (seconds * Double(cores)) }
    /// CPU milliseconds per operation.
    private func perOperation(_ cpu: Double) -> Double { cpu * 1000 / Double(max(1, operations)) }

    var text: String {
        String(
            format: """
                  postgres over %.1f s: %lld commits/s, %lld WAL records/s, %lld WAL writes/s, %lld WAL flushes/s
                  CPU of %d cores: postgres %.0f %%, ocgate %.0f %%; per operation (%d): postgres %.3f ms, ocgate %.3f ms
                """, seconds, perSecond(activity.commits), perSecond(activity.walRecords), perSecond(activity.walWrites),
            perSecond(activity.walSyncs), cores, share(serverCPU), share(benchCPU), operations,
            perOperation(serverCPU), perOperation(benchCPU))
    }

    var json: JSONValue {
        [
            "seconds": .string(String(format: "%.2f", seconds)), "operations": .integer(operations),
            "commits_per_second": .integer(perSecond(activity.commits)),
            "wal_records_per_second": .integer(perSecond(activity.walRecords)),
            "wal_writes_per_second": .integer(perSecond(activity.walWrites)),
            "wal_flushes_per_second": .integer(perSecond(activity.walSyncs)), "cores": .integer(cores),
            "postgres_cpu_percent": .string(String(format: "%.1f", share(serverCPU))),
            "ocgate_cpu_percent": .string(String(format: "%.1f", share(benchCPU))),
            "postgres_cpu_ms_per_operation": .string(String(format: "%.3f", perOperation(serverCPU))),
            "ocgate_cpu_ms_per_operation": .string(String(format: "%.3f", perOperation(benchCPU))),
        ]
    }
}
