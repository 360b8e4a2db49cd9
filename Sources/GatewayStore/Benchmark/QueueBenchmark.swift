import Foundation

/// Throughput of a job queue, for `ocgate bench queue`: only the `JobQueue` contract, so every backend is measured
/// by the same loop; the backend supplies the floor it is compared with (`rawCommit`).
public enum QueueBenchmark {
    /// What every job carries: a session id, as `session.open` and the proof jobs do.
    public static let payload = Data(#"{"session":"cs_0123456789abcdef0123456789abcdef"}"#.utf8)

    /// Runs the three measurements on `queue`, which should be empty (a fresh database).
    /// - Parameters:
    ///   - rawCommit: one single-row INSERT of the payload into a bare table, committed on its own: the backend's
    ///     floor for a durable write.
    ///   - jobs: jobs pushed through the batched pipeline.
    ///   - batch: jobs per enqueue, claim and complete transaction.
    ///   - singles: single-job enqueues and raw commits measured.
    public static func run(
        queue: any JobQueue, rawCommit: @Sendable (Data) async throws -> Void, jobs: Int, batch: Int, singles: Int
    ) async throws -> QueueBenchmarkResult {
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

        // Interleaved, so a noisy neighbour slows both loops alike.
        var single = Duration.zero
        var rawElapsed = Duration.zero
        for _ in 0..<singles {
            let rawStart = ContinuousClock.now
            try await rawCommit(payload)
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
