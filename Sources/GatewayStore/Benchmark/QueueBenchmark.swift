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
    ///   - workers: pipelines running at once on the same queue, as that many worker processes would: each
    ///     enqueues its share of the jobs in batches and claims whatever is due, its own or another's.
    ///   - singles: single-job enqueues and raw commits measured.
    public static func run(
        queue: any JobQueue, rawCommit: @Sendable (Data) async throws -> Void, jobs: Int, batch: Int, workers: Int = 1,
        singles: Int
    ) async throws -> QueueBenchmarkResult {
        precondition(jobs >= 0 && batch > 0 && workers > 0 && singles > 0, "counts out of range")
        let pipelineStart = ContinuousClock.now
        let quota = JobQuota(jobs)
        let finished = try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 1...workers {
                group.addTask { try await pipeline(queue: queue, worker: "bench-\(worker)", quota: quota, batch: batch) }
            }
            return try await group.reduce(0, +)
        }
        let pipelineTime = ContinuousClock.now - pipelineStart
        guard finished == jobs else {
            throw StoreError.inconsistent("the pipeline finished \(finished) of \(jobs) jobs")
        }

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
            pipelineJobsPerSecond: Double(jobs) / pipelineTime.seconds,
            singleEnqueuesPerSecond: Double(singles) / single.seconds,
            rawCommitsPerSecond: Double(singles) / rawElapsed.seconds)
    }

    /// One worker's loop: enqueue a batch of the jobs left, claim up to a batch, finish what it claimed. Once no job
    /// is left to enqueue it claims until a claim finds none. That claim came after every job this loop enqueued had
    /// committed, so each job it did not find was finished already, or is held (or being claimed) by another loop,
    /// which finishes what it claims. A finish that lost its lease (a claim more than 30 s old) is not counted: the
    /// loop that claimed the job again counts it. - Returns: the jobs whose finish this loop made.
    private static func pipeline(queue: any JobQueue, worker: String, quota: JobQuota, batch: Int) async throws -> Int {
        var finished = 0
        while true {
            let size = quota.take(upTo: batch)
            if size > 0 {
                _ = try await queue.enqueue(Array(repeating: NewJob(kind: "bench", payload: payload), count: size))
            }
            let claimed = try await queue.claim(kinds: ["bench"], limit: batch, worker: worker, lease: .seconds(30))
            if claimed.isEmpty {
                if size == 0 { return finished }
                continue
            }
            let held = try await queue.finish(claimed.map { JobFinish($0, .succeeded(note: nil)) })
            finished += held.count { $0 }
        }
    }
}

/// The jobs the pipelines have yet to enqueue, shared between them.
///
/// `@unchecked Sendable`: `left` is only touched under `lock`.
private final class JobQuota: @unchecked Sendable {
    private let lock = NSLock()
    private var left: Int

    init(_ jobs: Int) { left = jobs }

    /// Takes at most `limit` of the jobs left; 0 once none are.
    func take(upTo limit: Int) -> Int {
        lock.withLock {
            let taken = min(limit, left)
            left -= taken
            return taken
        }
    }
}
