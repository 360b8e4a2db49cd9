import Foundation
import GRDB
import GatewayStore

/// Throughput of the queue on a scratch database, for `ocgate bench queue`.
public enum QueueBenchmark {
    /// Runs the three measurements in `directory` (fresh files are created there).
    /// - Parameters:
    ///   - jobs: jobs pushed through the batched pipeline.
    ///   - batch: jobs per enqueue, claim and complete transaction.
    ///   - singles: single-job enqueues and raw commits measured.
    public static func run(
        directory: String, durability: Durability, jobs: Int, batch: Int, singles: Int
    ) async throws -> QueueBenchmarkResult {
        let stamp = UUID().uuidString
        let database = try SQLiteDatabase(path: "\(directory)/bench-\(stamp).db", durability: durability)
        let queue = SQLiteJobQueue(database: database)
        let payload = Data(#"{"session":"cs_0123456789abcdef0123456789abcdef"}"#.utf8)

        let pipelineStart = ContinuousClock.now
        var done = 0
        while done < jobs {
            let size = min(batch, jobs - done)
            _ = try await queue.enqueue(Array(repeating: NewJob(kind: "bench", payload: payload), count: size))
            let claimed = try await queue.claim(kinds: ["bench"], limit: size, worker: "bench", lease: .seconds(30))
            _ = try await queue.finish(claimed.map { JobFinish($0, .succeeded(note: nil)) })
            done += claimed.count
        }
        let pipeline = ContinuousClock.now - pipelineStart

        let raw = try SQLiteDatabase(path: "\(directory)/raw-\(stamp).db", durability: durability)
        try await raw.write { db in
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS bench_raw (id INTEGER PRIMARY KEY, value BLOB)")
        }
        // Interleaved, so a noisy neighbour slows both loops alike.
        var single = Duration.zero
        var rawElapsed = Duration.zero
        for _ in 0..<singles {
            let rawStart = ContinuousClock.now
            try await raw.write { db in
                try db.execute(sql: "INSERT INTO bench_raw (value) VALUES (?)", arguments: [payload])
            }
            let singleStart = ContinuousClock.now
            _ = try await queue.enqueue(NewJob(kind: "bench.single", payload: payload))
            let end = ContinuousClock.now
            rawElapsed += singleStart - rawStart
            single += end - singleStart
        }

        return QueueBenchmarkResult(
            pipelineJobsPerSecond: Double(jobs) / pipeline.seconds,
            singleEnqueuesPerSecond: Double(singles) / single.seconds,
            rawCommitsPerSecond: Double(singles) / rawElapsed.seconds)
    }
}
