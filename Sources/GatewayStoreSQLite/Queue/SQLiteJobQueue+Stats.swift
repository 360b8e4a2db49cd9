import Foundation
import GRDB
import GatewayStore

extension SQLiteJobQueue {
    func stats(registeredKinds: Set<String>) async throws -> JobStats {
        let now = time.now().millis
        return try await database.read { db in
            var counts: [JobStats.KindState: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT kind, state, COUNT(*) AS n FROM jobs GROUP BY kind, state") {
                guard let state = JobState(rawValue: row["state"]) else { continue }
                counts[JobStats.KindState(kind: row["kind"], state: state)] = row["n"]
            }
            var oldestRunAt: [String: Int64] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT kind, MIN(run_at) AS oldest FROM jobs WHERE state = 'queued' AND run_at <= ? GROUP BY kind
                """, arguments: [now])
            {
                oldestRunAt[row["kind"]] = row["oldest"]
            }
            let attempts = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM job_attempts WHERE started_at >= ?
                """, arguments: [now - 3_600_000]) ?? 0
            let kinds = Set(counts.keys.map(\.kind))
            return JobStats(
                counts: counts,
                oldestRunnableAge: oldestRunAt.values.min().map { .milliseconds(now - $0) },
                oldestRunnableAgeByKind: oldestRunAt.mapValues { .milliseconds(now - $0) },
                attemptsLastHour: attempts,
                deadCount: counts.filter { $0.key.state == .dead }.values.reduce(0, +),
                unhandledKinds: kinds.subtracting(registeredKinds).sorted())
        }
    }

    /// Future retries do not count: a drain waits only for work that is due.
    func pendingWork(excludingKinds: Set<String>) async throws -> Int {
        let now = time.now().millis
        let excluded = excludingKinds.sorted()
        let marks = Array(repeating: "?", count: excluded.count).joined(separator: ",")
        return try await database.read { db in
            try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM jobs
                WHERE state = 'running' OR (state = 'queued' AND run_at <= ? AND kind NOT IN (\(marks)))
                """, arguments: [now] + StatementArguments(excluded)) ?? 0
        }
    }
}
