import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// Claims and runs jobs of the registered kinds until graceful shutdown (SIGTERM/SIGINT via a
/// `ServiceGroup`): then it stops claiming, lets running jobs finish within the grace period, and
/// releases the rest back to `queued` without charging the attempt.
///
/// Every wait that decides an outcome (a retry coming due, lease renewals, the handler timeout) runs on `time`, so
/// a test clock drives them. Two waits stay on the wall clock: polling, which only decides how soon work is looked
/// for, never what happens to it; and the grace period, which bounds a real shutdown.
public struct JobWorker: Service {
    let queue: any JobQueue
    let registry: JobRegistry
    let configuration: JobWorkerConfiguration
    let time: any TimeSource
    let logger: Logger
    let metrics: any MetricsFactory

    private static let firstPoll = Duration.milliseconds(10)

    /// - Parameter metrics: where attempt counters and durations go; the process's bootstrapped factory by default.
    public init(
        queue: any JobQueue, registry: JobRegistry, configuration: JobWorkerConfiguration = JobWorkerConfiguration(),
        time: any TimeSource = SystemTime(), logger: Logger = Logger(label: "ocgate.worker"),
        metrics: any MetricsFactory = MetricsSystem.factory
    ) {
        self.queue = queue
        self.metrics = metrics
        self.registry = registry
        self.configuration = configuration
        self.time = time
        var logger = logger
        logger[metadataKey: "worker"] = "\(configuration.name)"
        self.logger = logger
    }

    /// The kinds this worker claims: registered ones, narrowed by the configuration's filter.
    public var kinds: Set<String> {
        configuration.kinds.map { registry.kinds.intersection($0) } ?? registry.kinds
    }

    public func run() async throws {
        let wake = WakeSignal()
        let stopping = StopFlag()
        let inFlight = InFlightJobs()
        queue.notifier.subscribe(wake)
        defer { queue.notifier.unsubscribe(wake) }
        let keeper = Task { await keepLeases(of: inFlight) }
        defer { keeper.cancel() }
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                var idleWait = Self.firstPoll
                while !stopping.isSet, !Task.isCancelled {
                    let generation = wake.generation
                    let free = configuration.concurrency - inFlight.count
                    guard free > 0 else {
                        await wake.wait(since: generation, timeout: configuration.pollInterval)
                        continue
                    }
                    let jobs: [ClaimedJob]
                    do {
                        jobs = try await queue.claim(
                            kinds: kinds, limit: free, worker: configuration.name, lease: configuration.lease)
                    } catch {
                        logger.error("claiming jobs failed", metadata: ["error": "\(error)"])
                        await wake.wait(since: generation, timeout: configuration.pollInterval)
                        continue
                    }
                    for job in jobs {
                        let first = JobRun(job: job, started: time.now())
                        inFlight.add(first)
                        group.addTask {
                            var run = first
                            while true {
                                let (retryAt, next) = await execute(run)
                                if let retryAt { wakeUp(wake, at: retryAt) }
                                guard let next else { break }
                                // Counted before the finished run leaves, so the slot never looks free in between.
                                // A stopping worker starts nothing new: the handed-over job goes back to the queue.
                                let following = JobRun(job: next, started: time.now())
                                guard !stopping.isSet, inFlight.add(following) else {
                                    await releaseUnstarted(next)
                                    break
                                }
                                inFlight.remove(run)
                                run = following
                            }
                            inFlight.remove(run)
                            wake.signal()
                        }
                    }
                    if jobs.isEmpty {
                        await wake.wait(since: generation, timeout: idleWait)
                        idleWait = min(idleWait * 2, configuration.pollInterval)
                    } else {
                        idleWait = Self.firstPoll
                    }
                }
                await waitForRunningJobs(inFlight, wake: wake)
                if inFlight.count > 0 {
                    logger.notice("grace period over; releasing running jobs", metadata: ["jobs": "\(inFlight.count)"])
                }
                inFlight.releaseAll()
            }
        } onGracefulShutdown: {
            stopping.set()
            wake.signal()
        }
    }

    private func waitForRunningJobs(_ inFlight: InFlightJobs, wake: WakeSignal) async {
        let deadline = ContinuousClock.now + configuration.gracePeriod
        while !Task.isCancelled {
            let generation = wake.generation
            let left = deadline - ContinuousClock.now
            guard inFlight.count > 0, left > .zero else { return }
            await wake.wait(since: generation, timeout: left)
        }
    }

    /// A retry due sooner than the next poll would wait for that poll; a timer claims it on time instead.
    private func wakeUp(_ wake: WakeSignal, at date: Date) {
        guard date < time.now().adding(configuration.pollInterval) else { return }
        Task {
            try? await time.sleep(until: date)
            wake.signal()
        }
    }

    /// Runs one attempt and records it; returns when the job is due again if it will be retried, and the job the
    /// handler claimed for this worker to run next.
    private func execute(_ run: JobRun) async -> (retryAt: Date?, next: ClaimedJob?) {
        let started = ContinuousClock.now
        let job = run.job
        let policy = registry.policy(for: job.kind)
        if policy.isExhausted(job, now: time.now()) {
            let exhausted = AttemptFailure(error: "retry budget used up by attempts that lost their lease")
            return await recorder.record(job, .dead(exhausted), since: started)
        }
        guard let handler = registry.handler(for: job.kind) else {
            return await recorder.record(job, .retry(error: "no handler for \(job.kind)"), policy: policy, since: started)
        }
        let attempts = recorder
        let outcome = await run.outcome(of: handler, orphaned: { await attempts.releaseUnstarted($0) })
        return await attempts.record(job, outcome, policy: policy, since: started)
    }

    private var recorder: AttemptRecorder {
        AttemptRecorder(queue: queue, time: time, logger: logger, metrics: metrics)
    }

    /// Gives a claimed job that never started back to the queue, without charging the attempt.
    private func releaseUnstarted(_ job: ClaimedJob) async {
        await recorder.releaseUnstarted(job)
    }

    /// Renews the leases of every running attempt (one write every heartbeat) and ends attempts that outlived
    /// the handler timeout (looked for every quarter of it, or every heartbeat if that is shorter). One loop for
    /// all of them, instead of a heartbeat task and a timeout timer per attempt: those were two tasks and two
    /// timers set and cancelled for every job, a measurable share of the CPU at thousands of jobs a second.
    /// A renewal that fails is tried again after a tenth of the heartbeat, not a whole one.
    private func keepLeases(of inFlight: InFlightJobs) async {
        let checkEvery = max(min(configuration.heartbeat, configuration.handlerTimeout / 4), .milliseconds(1))
        var nextCheck = time.now().adding(checkEvery)
        var nextRenewal = time.now().adding(configuration.heartbeat)
        while true {
            do {
                try await time.sleep(until: min(nextCheck, nextRenewal))
            } catch {
                return
            }
            let now = time.now()
            if now >= nextCheck {
                nextCheck = now.adding(checkEvery)
                inFlight.all.forEach { $0.expire(after: configuration.handlerTimeout, at: now) }
            }
            if now >= nextRenewal {
                let renewed = await renewLeases(of: inFlight)
                nextRenewal = now.adding(renewed ? configuration.heartbeat : configuration.heartbeat / 10)
            }
        }
    }

    /// One heartbeat for every running attempt; false if it could not be written.
    private func renewLeases(of inFlight: InFlightJobs) async -> Bool {
        let running = inFlight.all.filter(\.isRunning)
        guard !running.isEmpty else { return true }
        do {
            let held = try await queue.heartbeat(running.map(\.job), lease: configuration.lease)
            for (run, held) in zip(running, held) where !held && run.noteLeaseLoss() {
                logger.warning("lease lost while running", metadata: ["job": "\(run.job.id)"])
            }
            return true
        } catch {
            logger.warning("heartbeat failed", metadata: ["jobs": "\(running.count)", "error": "\(error)"])
            return false
        }
    }
}

/// Set once when shutdown begins.
///
/// Safe as `@unchecked Sendable`: `value` is only touched under `lock`.
private final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    var isSet: Bool { lock.withLock { value } }

    func set() { lock.withLock { value = true } }
}
