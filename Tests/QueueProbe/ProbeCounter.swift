import Foundation
import GatewayStore
import GRDB

/// Records each run of a job in `probe_runs`, in the same database file (on a connection of its own: the table is
/// the probe's, not the store's), so a double run shows up in tests.
struct ProbeCounter: JobHandler {
    static let kind = "probe.count"
    let database: DatabaseQueue
    let delay: Duration

    init(path: String, delay: Duration) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        database = try DatabaseQueue(path: path, configuration: configuration)
        self.delay = delay
        try database.write { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS probe_runs (job_id INTEGER NOT NULL, worker TEXT NOT NULL,
                                                       attempt INTEGER NOT NULL)
                """)
        }
    }

    func run(_ job: ClaimedJob) async -> JobOutcome {
        do {
            if delay > .zero { try await Task.sleep(for: delay) }
            try await database.write { db in
                try db.execute(
                    sql: "INSERT INTO probe_runs (job_id, worker, attempt) VALUES (?, ?, ?)",
                    arguments: [job.id, job.worker, job.attempt])
            }
            return .succeeded()
        } catch {
            return .retry(error: "\(error)")
        }
    }
}
