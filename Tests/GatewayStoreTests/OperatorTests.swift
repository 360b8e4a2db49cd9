import Foundation
import GatewayStore
@testable import GatewayStoreSQLite
import GatewayTestSupport
import Testing

@Suite struct OperatorTests {
    @Test func cancelTakesQueuedAndScheduledJobsButNamesARunningOne() async throws {
        let time = ManualTime()
        let queue = try Scratch().queue(time: time)
        let queued = try await queue.enqueue(NewJob(kind: "a", priority: 1)).id
        let scheduled = try await queue.enqueue(NewJob(kind: "a", runAt: time.now().addingTimeInterval(600))).id
        let running = try await queue.enqueue(NewJob(kind: "a", priority: 0)).id
        _ = try await queue.claim(kinds: ["a"], limit: 1, worker: "w-1", lease: .seconds(30))

        try await queue.cancel(id: queued)
        try await queue.cancel(id: scheduled)
        await #expect(throws: QueueError.jobRunning(id: running, kind: "a", worker: "w-1")) {
            try await queue.cancel(id: running)
        }
        await #expect(throws: QueueError.jobNotFound(id: 999)) { try await queue.cancel(id: 999) }
        #expect(try await queue.list(JobFilter(state: .cancelled)).map(\.id) == [scheduled, queued])

        try await queue.retry(id: queued)
        #expect(try await queue.show(id: queued)?.job.state == .queued)
    }

    @Test func bulkRetryReplaysDeadJobsOfOneKind() async throws {
        let queue = try Scratch().queue()
        _ = try await queue.enqueue([NewJob(kind: "a"), NewJob(kind: "a"), NewJob(kind: "b")])
        let claimed = try await queue.claim(kinds: ["a", "b"], limit: 3, worker: "w", lease: .seconds(30))
        _ = try await queue.finish(claimed.map { JobFinish($0, .dead(AttemptFailure(error: "outage"))) })
        #expect(try await queue.retry(matching: JobFilter(kind: "a")) == 2)
        #expect(try await queue.list(JobFilter(state: .dead)).map(\.kind) == ["b"])
    }

    @Test func pruneRemovesOldFinishedJobsButKeepsDeadOnes() async throws {
        let time = ManualTime()
        let queue = try Scratch().queue(time: time)
        _ = try await queue.enqueue([NewJob(kind: "ok"), NewJob(kind: "bad"), NewJob(kind: "gone")])
        let claimed = try await queue.claim(kinds: ["ok", "bad"], limit: 2, worker: "w", lease: .seconds(30))
        _ = try await queue.finish(claimed.map {
            JobFinish($0, $0.kind == "ok" ? .succeeded(note: nil) : .dead(AttemptFailure(error: "no")))
        })
        try await queue.cancel(id: try #require(try await queue.list(JobFilter(kind: "gone")).first).id)
        let fresh = try await queue.enqueue(NewJob(kind: "ok", uniqueKey: "fresh"))
        let freshJob = try #require(try await queue.claim(kinds: ["ok"], limit: 1, worker: "w", lease: .seconds(30)).first)

        time.advance(by: .seconds(8 * 86_400))
        #expect(try await queue.finish(freshJob, .succeeded(note: nil)))
        #expect(try await queue.prune(olderThan: .seconds(7 * 86_400)) == 2)
        #expect(Set(try await queue.list(JobFilter()).map(\.kind)) == ["bad", "ok"])
        #expect(try await queue.show(id: fresh.id)?.attempts.count == 1)
        let stats = try await queue.stats(registeredKinds: ["ok"])
        #expect(stats.deadCount == 1)
    }

    @Test func statsCountPerKindAndStateAndNameUnhandledKinds() async throws {
        let time = ManualTime()
        let queue = try Scratch().queue(time: time)
        _ = try await queue.enqueue([NewJob(kind: "a"), NewJob(kind: "a"), NewJob(kind: "orphan")])
        time.advance(by: .seconds(90))
        let job = try #require(try await queue.claim(kinds: ["a"], limit: 1, worker: "w", lease: .seconds(30)).first)
        _ = try await queue.finish(job, .succeeded(note: nil))

        let stats = try await queue.stats(registeredKinds: ["a"])
        #expect(stats.counts[.init(kind: "a", state: .queued)] == 1)
        #expect(stats.counts[.init(kind: "a", state: .succeeded)] == 1)
        #expect(stats.counts[.init(kind: "orphan", state: .queued)] == 1)
        #expect(stats.unhandledKinds == ["orphan"])
        #expect(stats.oldestRunnableAge == .seconds(90))
        #expect(stats.attemptsLastHour == 1)
        #expect(stats.deadCount == 0)
    }

    @Test func drainCountsDueWorkButNotFutureRetriesOrMaintenance() async throws {
        let time = ManualTime()
        let queue = try Scratch().queue(time: time)
        #expect(try await !queue.isDraining())
        try await queue.setDraining(true)
        #expect(try await queue.isDraining())

        _ = try await queue.enqueue([
            NewJob(kind: "callback.deliver"), NewJob(kind: "proof.issue"),
            NewJob(kind: "callback.deliver", runAt: time.now().addingTimeInterval(60)),
            NewJob(kind: "session.expire"),
        ])
        _ = try await queue.claim(kinds: ["proof.issue"], limit: 1, worker: "w", lease: .seconds(30))
        #expect(try await queue.pendingWork(excludingKinds: ["session.expire"]) == 2)
        #expect(try await queue.pendingWork(excludingKinds: []) == 3)
        try await queue.setDraining(false)
        #expect(try await !queue.isDraining())
    }

    @Test func listFiltersNewestFirstWithALimit() async throws {
        let queue = try Scratch().queue()
        let ids = try await queue.enqueue((0..<5).map { NewJob(kind: $0 % 2 == 0 ? "even" : "odd") }).map(\.id)
        #expect(try await queue.list(JobFilter(kind: "even", limit: 2)).map(\.id) == [ids[4], ids[2]])
        #expect(try await queue.list(JobFilter(state: .queued)).count == 5)
        #expect(try await queue.show(id: 12345) == nil)
    }
}
