import Foundation
import GatewayStore
import GRDB

/// Records each run of a job in `probe_runs`, in the same database, so a double run shows up in tests.
struct ProbeCounter: JobHandler {
    static let kind = "probe.count"
    let database: GatewayDatabase
    let delay: Duration

    static func createTable(in database: GatewayDatabase) throws {
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
