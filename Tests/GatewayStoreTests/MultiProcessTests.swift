import Foundation
import GatewayStore
@testable import GatewayStoreSQLite
import GatewayTestSupport
import GRDB
import Testing

/// Several QueueProbe processes on one spool: claims must be safe across processes.
@Suite(.serialized) struct MultiProcessTests {
    static let jobCount = 10_000

    /// Enqueues `count` probe jobs in one transaction and prepares the side-effect table.
    func prepareSpool(_ scratch: Scratch, count: Int) async throws -> SQLiteJobQueue {
        let queue = try scratch.queue()
        try await queue.database.write { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS probe_runs (job_id INTEGER NOT NULL, worker TEXT NOT NULL,
                                                       attempt INTEGER NOT NULL)
                """)
        }
        _ = try await queue.enqueue(Array(repeating: NewJob(kind: "probe.count"), count: count))
        return queue
    }

    func runs(_ queue: SQLiteJobQueue) async throws -> (total: Int, distinct: Int, maxAttempt: Int) {
        try await queue.database.read { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT COUNT(*) AS total, COUNT(DISTINCT job_id) AS distinct_jobs, MAX(attempt) AS max_attempt
                FROM probe_runs
                """)!
            return (row["total"], row["distinct_jobs"], row["max_attempt"] ?? 0)
        }
    }

    func states(_ queue: SQLiteJobQueue) async throws -> [String: Int] {
        try await queue.database.read { db in
            try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM jobs GROUP BY state")
                .map { ($0["state"] as String, $0["n"] as Int) })
        }
    }

    @Test(arguments: [2, 4])
    func workerProcessesRunEveryJobExactlyOnce(processes: Int) async throws {
        let scratch = try Scratch()
        let queue = try await prepareSpool(scratch, count: Self.jobCount)
        let workers = try (0..<processes).map { _ in
            try ProbeProcess(["work", scratch.databasePath, "--concurrency", "4"])
        }
        for worker in workers {
            #expect(try await worker.waitForExit().status == 0)
        }
        #expect(try await states(queue) == ["succeeded": Self.jobCount])
        let (total, distinct, maxAttempt) = try await runs(queue)
        #expect(total == Self.jobCount)
        #expect(distinct == Self.jobCount)
        // Every job ran on its first claim: no claim ever took a job whose lease still held.
        #expect(maxAttempt == 1)
        let attempts: [String] = try await queue.database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT outcome, COUNT(*) AS n, COUNT(DISTINCT worker) AS w FROM job_attempts GROUP BY outcome
                """).map { "\($0["outcome"] as String) \($0["n"] as Int) by \($0["w"] as Int)" }
        }
        // One successful attempt per job, and the work was really shared by every process.
        #expect(attempts == ["succeeded \(Self.jobCount) by \(processes)"])
    }

    @Test func killedWorkerLosesNoJobAndItsLeasesAreRecovered() async throws {
        let scratch = try Scratch()
        let count = 3_000
        let queue = try await prepareSpool(scratch, count: count)
        // Handlers long next to a claim, so the killed worker holds jobs whenever it dies: at 2 ms a loaded machine
        // sometimes killed it between two claims, holding none. Separate processes share no test clock, so leases
        // here are wall-clock time: the doomed worker renews every 500 ms a lease of 5 s (a starved process keeps
        // its jobs unless it stalls 4.5 s), and the survivor keeps the default 30 s lease, so the only leases that
        // lapse are the dead worker's.
        let doomed = try ProbeProcess([
            "work", scratch.databasePath, "--concurrency", "8", "--handler-ms", "50", "--lease-ms", "5000",
            "--heartbeat-ms", "500",
        ])
        let started = try await eventually { try await runs(queue).total >= 500 }
        #expect(started)
        doomed.killHard()
        let held = try await states(queue)["running"] ?? 0
        #expect(held > 0)

        let survivor = try ProbeProcess(["work", scratch.databasePath, "--concurrency", "8"])
        #expect(try await survivor.waitForExit().status == 0)
        #expect(try await states(queue) == ["succeeded": count])
        let (_, distinct, _) = try await runs(queue)
        #expect(distinct == count)
        let lost = try await queue.database.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM job_attempts WHERE outcome = 'lease_lost'") ?? 0
        }
        #expect(lost == held)
    }

    @Test func uniqueKeysHoldUnderConcurrentEnqueueFromSeveralProcesses() async throws {
        // The spool does not exist yet: the processes also race to create and migrate it.
        let scratch = try Scratch()
        let enqueuers = try (0..<4).map { _ in
            try ProbeProcess(["enqueue", scratch.databasePath, "--count", "500", "--key-prefix", "order-"])
        }
        var inserted = 0
        for enqueuer in enqueuers {
            let (status, output) = try await enqueuer.waitForExit()
            #expect(status == 0)
            inserted += Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -10_000
        }
        #expect(inserted == 500)
        let queue = try scratch.queue()
        let keys = try await queue.list(JobFilter()).compactMap(\.uniqueKey)
        #expect(keys.count == 500)
        #expect(Set(keys).count == 500)
    }
}
