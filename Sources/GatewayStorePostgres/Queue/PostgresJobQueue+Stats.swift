import Foundation
import GatewayStore
import PostgresNIO

extension PostgresJobQueue {
    func stats(registeredKinds: Set<String>) async throws -> JobStats {
        let now = time.now().millis
        return try await database.transaction { tx in
            var counts: [JobStats.KindState: Int] = [:]
            for row in try await tx.run("SELECT kind, state, count(*) AS n FROM jobs GROUP BY kind, state") {
                let r = row.makeRandomAccess()
                guard let state = JobState(rawValue: try r.get("state")) else { continue }
                counts[JobStats.KindState(kind: try r.get("kind"), state: state)] = Int(try r.get("n", as: Int64.self))
            }
            var oldestRunAt: [String: Int64] = [:]
            for row in try await tx.run("""
                SELECT kind, min(run_at) AS oldest FROM jobs WHERE state = 'queued' AND run_at <= \(now) GROUP BY kind
                """)
            {
                oldestRunAt[try row.get("kind")] = try row.get("oldest", as: Int64.self)
            }
            let attempts = try await tx.run("""
                SELECT count(*) AS n FROM job_attempts WHERE started_at >= \(now - 3_600_000)
                """).first?.get("n", as: Int64.self) ?? 0
            let kinds = Set(counts.keys.map(\.kind))
            return JobStats(
                counts: counts,
                oldestRunnableAge: oldestRunAt.values.min().map { .milliseconds(now - $0) },
                oldestRunnableAgeByKind: oldestRunAt.mapValues { .milliseconds(now - $0) },
                attemptsLastHour: Int(attempts),
                deadCount: counts.filter { $0.key.state == .dead }.values.reduce(0, +),
                unhandledKinds: kinds.subtracting(registeredKinds).sorted())
        }
    }

    /// Future retries do not count: a drain waits only for work that is due. A running job of an excluded kind
    /// counts (an inbox run that started before the drain may still be answering a file).
    func pendingWork(excludingKinds: Set<String>) async throws -> Int {
        let now = time.now().millis
        let excluded = excludingKinds.sorted()
        return try await database.count("""
            SELECT count(*) AS n FROM jobs
            WHERE state = 'running' OR (state = 'queued' AND run_at <= \(now) AND NOT (kind = ANY(\(excluded))))
            """)
    }
}
