import Foundation
import GatewayStore
@testable import GatewayStoreSQLite
import GatewayTestSupport
import GRDB
import Logging
import ServiceLifecycle
import Testing

let quietLogger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

/// A handler that never returns and ignores cancellation (a hung peer): it waits on a gate nobody opens.
struct HungHandler: JobHandler {
    private static let never = Gate()

    func run(_ job: ClaimedJob) async -> JobOutcome {
        await Self.never.wait()
        return .succeeded(note: "too late")
    }
}

@Suite struct WorkerTests {
    @Test func runsJobsWokenByInProcessEnqueueAndRetriesFailures() async throws {
        let time = ManualTime()
        let queue = try Scratch().queue(time: time)
        let failures = CallCounter()
        var registry = JobRegistry()
        registry.register("flaky", policy: RetryPolicy(schedule: [.milliseconds(10)], jitter: 0, maxAttempts: 3)) { _ in
            failures.next() < 2 ? .retry(error: "try again", httpStatus: 503) : .succeeded(note: "third time")
        }
        registry.register("hopeless") { _ in .dead(error: "rejected", httpStatus: 400) }
        // A long poll interval: only the in-process wake-ups (enqueue, and the retry timers as the test clock
        // passes each retry's due time) can find these jobs in time.
        let worker = JobWorker(
            queue: queue, registry: registry,
            configuration: JobWorkerConfiguration(pollInterval: .seconds(600)), time: time, logger: quietLogger)
        try await withServices([worker]) {
            let flaky = try await queue.enqueue(NewJob(kind: "flaky")).id
            let hopeless = try await queue.enqueue(NewJob(kind: "hopeless")).id
            let reached = try await eventually(advancing: time, by: .milliseconds(10)) {
                try await queue.list(JobFilter(state: .succeeded)).count + queue.list(JobFilter(state: .dead)).count == 2
            }
            #expect(reached)
            let flakyDetail = try #require(try await queue.show(id: flaky))
            #expect(flakyDetail.job.state == .succeeded)
            #expect(flakyDetail.attempts.map(\.outcome) == [.retry, .retry, .succeeded])
            #expect(try await queue.show(id: hopeless)?.job.state == .dead)
        }
    }

    @Test func hungHandlerLosesItsLeaseAndAnotherWorkerFinishesTheJob() async throws {
        let time = ManualTime()
        let queue = try Scratch().queue(time: time)
        let id = try await queue.enqueue(NewJob(kind: "slow")).id
        var hungRegistry = JobRegistry()
        hungRegistry.register("slow", handler: HungHandler())
        // The heartbeat interval is longer than the lease, so the hung worker's lease lapses; its one slot
        // stays busy, so only the healthy worker can rescue the job.
        let hung = JobWorker(
            queue: queue, registry: hungRegistry,
            configuration: JobWorkerConfiguration(
                name: "hung", concurrency: 1, lease: .milliseconds(300), heartbeat: .seconds(60), gracePeriod: .milliseconds(50)),
            time: time, logger: quietLogger)
        var healthyRegistry = JobRegistry()
        healthyRegistry.register("slow") { _ in .succeeded(note: "done") }
        let healthy = JobWorker(
            queue: queue, registry: healthyRegistry,
            configuration: JobWorkerConfiguration(name: "healthy", pollInterval: .milliseconds(50)), time: time,
            logger: quietLogger)
        // The hung worker keeps running (and its late release at shutdown must be refused).
        try await withServices([hung]) {
            let claimed = try await eventually { try await queue.show(id: id)?.job.worker == "hung" }
            #expect(claimed)
            // Past the lease, and far short of the hung worker's first heartbeat.
            time.advance(by: .seconds(1))
            try await withServices([healthy]) {
                let done = try await eventually { try await queue.show(id: id)?.job.state == .succeeded }
                #expect(done)
            }
        }
        let detail = try #require(try await queue.show(id: id))
        #expect(detail.attempts.map(\.outcome) == [.leaseLost, .succeeded])
        #expect(detail.attempts.map(\.worker) == ["hung", "healthy"])
        #expect(detail.attempts.map(\.attempt) == [1, 2])
    }

    @Test func gracefulShutdownReleasesAnInFlightJobWhenGraceEnds() async throws {
        let queue = try Scratch().queue()
        let id = try await queue.enqueue(NewJob(kind: "slow")).id
        var registry = JobRegistry()
        registry.register("slow", handler: HungHandler())
        let worker = JobWorker(
            queue: queue, registry: registry,
            configuration: JobWorkerConfiguration(gracePeriod: .milliseconds(200)), logger: quietLogger)
        try await withServices([worker]) {
            let reached = try await eventually { try await queue.show(id: id)?.job.state == .running }
            #expect(reached)
        }
        let detail = try #require(try await queue.show(id: id))
        #expect(detail.job.state == .queued)
        #expect(detail.job.attempt == 0)
        #expect(detail.job.worker == nil)
        #expect(detail.attempts.map(\.outcome) == [.released])
    }

    @Test func gracefulShutdownLetsAQuickJobFinish() async throws {
        let queue = try Scratch().queue()
        let id = try await queue.enqueue(NewJob(kind: "quick")).id
        let started = CallCounter()
        var registry = JobRegistry()
        // Still running when shutdown begins, and done right after: the grace period lets it finish.
        registry.register("quick") { _ in
            _ = started.next()
            try await gracefulShutdown()
            return .succeeded(note: nil)
        }
        let worker = JobWorker(
            queue: queue, registry: registry,
            configuration: JobWorkerConfiguration(gracePeriod: .seconds(20)), logger: quietLogger)
        try await withServices([worker]) {
            let reached = try await eventually { started.value == 1 }
            #expect(reached)
        }
        #expect(try await queue.show(id: id)?.job.state == .succeeded)
    }

    @Test func jobWhoseLastAttemptLostItsLeaseIsDeadWithoutRunningAgain() async throws {
        let time = ManualTime()
        let queue = try Scratch().queue(time: time)
        let id = try await queue.enqueue(NewJob(kind: "poison", maxAttempts: 1)).id
        _ = try await queue.claim(kinds: ["poison"], limit: 1, worker: "crashed", lease: .milliseconds(1))
        time.advance(by: .seconds(1))
        let calls = CallCounter()
        var registry = JobRegistry()
        registry.register("poison") { _ in
            _ = calls.next()
            return .succeeded(note: nil)
        }
        let worker = JobWorker(queue: queue, registry: registry, time: time, logger: quietLogger)
        try await withServices([worker]) {
            let dead = try await eventually { try await queue.show(id: id)?.job.state == .dead }
            #expect(dead)
        }
        #expect(calls.value == 0)
        #expect(try await queue.show(id: id)?.attempts.map(\.outcome) == [.leaseLost, .dead])
    }

    @Test func handlerTimeoutEndsAHungAttemptAsARetry() async throws {
        let time = ManualTime()
        let queue = try Scratch().queue(time: time)
        let id = try await queue.enqueue(NewJob(kind: "slow")).id
        var registry = JobRegistry()
        registry.register("slow", handler: HungHandler())
        let worker = JobWorker(
            queue: queue, registry: registry,
            configuration: JobWorkerConfiguration(gracePeriod: .milliseconds(50), handlerTimeout: .seconds(20)),
            time: time, logger: quietLogger)
        try await withServices([worker]) {
            let reached = try await eventually(advancing: time, by: .seconds(5)) {
                try await queue.show(id: id)?.attempts.first?.outcome == .retry
            }
            #expect(reached)
        }
        #expect(try await queue.show(id: id)?.attempts.first?.error?.contains("did not finish") == true)
    }

    @Test func aHandlerThatRecordsItsSuccessInItsOwnTransactionIsFinishedOnceAndOnlyIfThatCommits() async throws {
        let queue = try Scratch().queue()
        try await queue.database.write { db in try db.execute(sql: "CREATE TABLE written (job INTEGER NOT NULL)") }
        let attempts = CallCounter()
        var registry = JobRegistry()
        registry.register("write", policy: RetryPolicy(schedule: [.milliseconds(10)], jitter: 0, maxAttempts: 3)) { job in
            let first = attempts.next() == 0
            let success = JobSuccess(job: job, note: "wrote")
            struct Abort: Error {}
            // The first attempt records its success, then its transaction rolls back: the success goes with it.
            let held = try await queue.database.write { db in
                try db.execute(sql: "INSERT INTO written VALUES (?)", arguments: [job.id])
                let held = try success.record(at: Date(), in: db)
                if first { throw Abort() }
                return held
            }
            return success.outcome(held: held)
        }
        let worker = JobWorker(queue: queue, registry: registry, logger: quietLogger)
        try await withServices([worker]) {
            let id = try await queue.enqueue(NewJob(kind: "write")).id
            let done = try await eventually { try await queue.show(id: id)?.job.state == .succeeded }
            #expect(done)
            let detail = try #require(try await queue.show(id: id))
            #expect(detail.attempts.map(\.outcome) == [.retry, .succeeded])
            #expect(detail.attempts.last?.note == "wrote")
            #expect(try await queue.database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM written") } == 1)
        }
    }

    @Test func heartbeatsKeepAJobRunningPastItsLeaseFromBeingTakenOver() async throws {
        let time = ManualTime()
        let queue = try Scratch().queue(time: time)
        let runs = CallCounter()
        let finish = Gate()
        var registry = JobRegistry()
        registry.register("long") { _ in
            _ = runs.next()
            await finish.wait()
            return .succeeded(note: "done")
        }
        let id = try await queue.enqueue(NewJob(kind: "long")).id
        let holder = JobWorker(
            queue: queue, registry: registry,
            configuration: JobWorkerConfiguration(name: "holder", concurrency: 4, lease: .seconds(5), heartbeat: .seconds(1)),
            time: time, logger: quietLogger)
        try await withServices([holder]) {
            let started = try await eventually { runs.value == 1 }
            #expect(started)
            // A second worker polls all along: it could only take the job over if a lease lapsed.
            let rival = JobWorker(
                queue: queue, registry: registry,
                configuration: JobWorkerConfiguration(name: "rival", pollInterval: .milliseconds(20)), time: time,
                logger: quietLogger)
            try await withServices([rival]) {
                // Three leases' worth of test time, a heartbeat at a time; each renewal lands before the clock moves on.
                for _ in 1...15 {
                    time.advance(by: .seconds(1))
                    let renewed = try await eventually {
                        try await queue.show(id: id)?.job.lockedUntil == time.now().adding(.seconds(5))
                    }
                    #expect(renewed)
                }
                finish.open()
                let done = try await eventually { try await queue.show(id: id)?.job.state == .succeeded }
                #expect(done)
            }
        }
        let detail = try #require(try await queue.show(id: id))
        #expect(detail.attempts.map(\.outcome) == [.succeeded])
        #expect(detail.attempts.map(\.worker) == ["holder"])
        #expect(runs.value == 1)
    }

    @Test func aJobClaimedByAHandlerForItsWorkerRunsNextInTheSameSlot() async throws {
        let queue = try Scratch().queue()
        let ran = CallCounter()
        let registry = handOverRegistry(queue, firstRuns: CallCounter(), secondRuns: ran)
        // One slot and a poll far away: only the hand-over can run the second job in time.
        let worker = JobWorker(
            queue: queue, registry: registry,
            configuration: JobWorkerConfiguration(name: "solo", concurrency: 1, pollInterval: .seconds(600)),
            logger: quietLogger)
        try await withServices([worker]) {
            let first = try await queue.enqueue(NewJob(kind: "first")).id
            let done = try await eventually { try await queue.list(JobFilter(state: .succeeded)).count == 2 }
            #expect(done)
            let second = try #require(try await queue.list(JobFilter(kind: "second")).first)
            let detail = try #require(try await queue.show(id: second.id))
            #expect(detail.attempts.map(\.outcome) == [.succeeded])
            #expect(detail.attempts.map(\.worker) == ["solo"])
            #expect(detail.attempts.first?.note == "second done")
            #expect(try await queue.show(id: first)?.attempts.map(\.note) == ["first done"])
            #expect(ran.value == 1)
        }
    }

    @Test func aJobHandedOverWhileTheWorkerStopsGoesBackToTheQueueUnrun() async throws {
        let queue = try Scratch().queue()
        let secondRuns = CallCounter()
        let firstStarted = CallCounter()
        // Shutdown begins while the first handler is still running, after its commit.
        let registry = handOverRegistry(queue, firstRuns: firstStarted, secondRuns: secondRuns, returnsAtShutdown: true)
        let worker = JobWorker(
            queue: queue, registry: registry,
            configuration: JobWorkerConfiguration(name: "stopping", gracePeriod: .seconds(10)), logger: quietLogger)
        let first = try await queue.enqueue(NewJob(kind: "first")).id
        try await withServices([worker]) {
            let started = try await eventually { firstStarted.value == 1 }
            #expect(started)
        }
        #expect(try await queue.show(id: first)?.job.state == .succeeded)
        let second = try #require(try await queue.list(JobFilter(kind: "second")).first)
        #expect(second.state == .queued)
        #expect(try await queue.show(id: second.id)?.attempts.map(\.outcome) == [.released])
        #expect(secondRuns.value == 0)
    }

    @Test func aJobHandedOverAfterTheHandlerTimedOutGoesBackToTheQueueAtOnce() async throws {
        let time = ManualTime()
        let queue = try Scratch().queue(time: time)
        let firstRuns = CallCounter()
        let secondRuns = CallCounter()
        // The handler timeout ends "first" once the test clock passes it; only once its attempt is recorded as a retry
        // does the handler hand "second" over, to a slot that moved on. Its retry waits far past the test, so no
        // second attempt of "first" can hand "second" over the ordinary way first.
        let registry = handOverRegistry(
            queue, time: time, firstRuns: firstRuns, secondRuns: secondRuns,
            firstPolicy: RetryPolicy(schedule: [.seconds(600)], jitter: 0, maxAttempts: nil)
        ) { job in
            _ = try? await eventually { try await queue.show(id: job.id)?.attempts.first?.outcome == .retry }
        }
        let worker = JobWorker(
            queue: queue, registry: registry,
            configuration: JobWorkerConfiguration(
                name: "late", lease: .seconds(120), pollInterval: .milliseconds(50), handlerTimeout: .seconds(2)),
            time: time, logger: quietLogger)
        try await withServices([worker]) {
            _ = try await queue.enqueue(NewJob(kind: "first"))
            let started = try await eventually { firstRuns.value == 1 }
            #expect(started)
            time.advance(by: .seconds(2))
            // Well within the lease: left claimed, "second" would wait those 120 s for lease rescue.
            let ran = try await eventually { secondRuns.value == 1 }
            #expect(ran)
        }
        let second = try #require(try await queue.list(JobFilter(kind: "second")).first)
        #expect(try await queue.show(id: second.id)?.attempts.map(\.outcome) == [.released, .succeeded])
    }

    @Test func aSuccessRecordedAfterTheLeaseWasLostChangesNothing() async throws {
        let time = ManualTime()
        let queue = try Scratch().queue(time: time)
        let id = try await queue.enqueue(NewJob(kind: "a")).id
        let lost = try #require(try await queue.claim(kinds: ["a"], limit: 1, worker: "first", lease: .milliseconds(1)).first)
        time.advance(by: .seconds(1))
        let holder = try #require(try await queue.claim(kinds: ["a"], limit: 1, worker: "second", lease: .seconds(30)).first)
        let held = try await queue.database.write { db in
            try JobSuccess(job: lost, note: "late").record(at: time.now(), in: db)
        }
        #expect(!held)
        let job = try #require(try await queue.show(id: id)?.job)
        #expect(job.state == .running)
        #expect(job.worker == "second")
        #expect(holder.attempt == 2)
    }
}

/// "first" (retried by `firstPolicy`) awaits `beforeCommit`, ends its own attempt and hands a "second" job (only
/// ever one: its unique key) over to its worker in one transaction, then (with `returnsAtShutdown`) waits for graceful
/// shutdown before returning: the worker's own shutdown handler, registered first, has run by then; "second"
/// succeeds. Each counts its runs.
private func handOverRegistry(
    _ queue: SQLiteJobQueue, time: any TimeSource = SystemTime(), firstRuns: CallCounter, secondRuns: CallCounter, returnsAtShutdown: Bool = false,
    firstPolicy: RetryPolicy = .standard, beforeCommit: @escaping @Sendable (ClaimedJob) async -> Void = { _ in }
) -> JobRegistry {
    var registry = JobRegistry()
    registry.register("first", policy: firstPolicy) { job in
        _ = firstRuns.next()
        await beforeCommit(job)
        let success = JobSuccess(job: job, note: "first done")
        let (held, next) = try await queue.database.write { db in
            (
                try success.record(at: time.now(), in: db),
                try queue.enqueue(NewJob(kind: "second", uniqueKey: "second"), after: job, in: db)
            )
        }
        if returnsAtShutdown { try? await gracefulShutdown() }
        return success.outcome(held: held, next: next)
    }
    registry.register("second") { _ in
        _ = secondRuns.next()
        return .succeeded(note: "second done")
    }
    return registry
}
