import Foundation
import Logging
import ServiceLifecycle

/// Enqueues each recurring job once for the current period, at every period boundary. After downtime
/// only the current period is enqueued: one catch-up run, not one per missed tick.
public struct RecurringScheduler: Service {
    public let jobs: [RecurringJob]
    let queue: any JobQueue
    let time: any TimeSource
    let logger: Logger

    public init(
        jobs: [RecurringJob], queue: any JobQueue, time: any TimeSource = SystemTime(),
        logger: Logger = Logger(label: "ocgate.scheduler")
    ) {
        self.jobs = jobs
        self.queue = queue
        self.time = time
        self.logger = logger
    }

    /// The kinds of the recurring jobs (excluded from `pendingWork` so they never hold a drain).
    public var kinds: Set<String> { Set(jobs.map(\.kind)) }

    /// Enqueues the current period of every recurring job that has work (a no-op for periods already enqueued).
    @discardableResult
    public func enqueueCurrentPeriods() async throws -> [EnqueueResult] {
        let now = time.now()
        let due = jobs.filter { $0.hasWork() }
        guard !due.isEmpty else { return [] }
        return try await queue.enqueue(due.map { job in
            let start = job.periodStart(containing: now)
            return NewJob(kind: job.kind, payload: job.payload, runAt: now,
                          uniqueKey: job.uniqueKey(forPeriodStarting: start))
        })
    }

    public func run() async throws {
        guard !jobs.isEmpty else { return }
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                try await enqueueCurrentPeriods()
            } catch {
                logger.error("enqueueing recurring jobs failed", metadata: ["error": "\(error)"])
            }
            let now = time.now()
            let nextBoundary = jobs.map { $0.periodStart(containing: now).adding($0.every) }.min()!
            try? await cancelWhenGracefulShutdown { try await time.sleep(until: nextBoundary) }
        }
    }
}
