import Foundation
import GatewayStore
@testable import GatewayStoreSQLite
import GatewayTestSupport
import Testing

@Suite struct QueueClaimTests {
    @Test func claimsOldestRunnableByPriorityThenRunAtThenId() async throws {
        let time = ManualTime()
        let queue = try Scratch().queue(time: time)
        let now = time.now()
        let late = try await queue.enqueue(NewJob(kind: "a", priority: 0, runAt: now.addingTimeInterval(-1)))
        let early = try await queue.enqueue(NewJob(kind: "a", priority: 0, runAt: now.addingTimeInterval(-5)))
        let urgent = try await queue.enqueue(NewJob(kind: "a", priority: -1))
        _ = try await queue.enqueue(NewJob(kind: "a", runAt: now.addingTimeInterval(60)))
        _ = try await queue.enqueue(NewJob(kind: "unregistered"))

        let claimed = try await queue.claim(kinds: ["a"], limit: 10, worker: "w", lease: .seconds(30))
        #expect(claimed.map(\.id) == [urgent.id, early.id, late.id])
        #expect(claimed.allSatisfy { $0.attempt == 1 && $0.worker == "w" })
        #expect(try await queue.claim(kinds: ["a"], limit: 10, worker: "w2", lease: .seconds(30)).isEmpty)
    }

    @Test func batchClaimHonoursTheLimit() async throws {
        let queue = try Scratch().queue()
        _ = try await queue.enqueue((0..<10).map { _ in NewJob(kind: "a") })
        let first = try await queue.claim(kinds: ["a"], limit: 4, worker: "w", lease: .seconds(30))
        let second = try await queue.claim(kinds: ["a"], limit: 100, worker: "w", lease: .seconds(30))
        #expect(first.count == 4)
        #expect(second.count == 6)
        #expect(Set(first.map(\.id)).isDisjoint(with: second.map(\.id)))
    }

    @Test func sameUniqueKeyFromManyTasksMakesOneJob() async throws {
        let queue = try Scratch().queue()
        let results = try await withThrowingTaskGroup(of: EnqueueResult.self) { group in
            for _ in 0..<64 {
                group.addTask { try await queue.enqueue(NewJob(kind: "a", uniqueKey: "order-1")) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(results.map(\.id)).count == 1)
        #expect(results.filter(\.inserted).count == 1)
        #expect(try await queue.list(JobFilter()).count == 1)
    }

    @Test func leaseLapseRescuesTheJobAsANewAttemptAndRefusesTheStaleWorker() async throws {
        let time = ManualTime()
        let queue = try Scratch().queue(time: time)
        let id = try await queue.enqueue(NewJob(kind: "a")).id
        let stale = try #require(try await queue.claim(kinds: ["a"], limit: 1, worker: "old", lease: .seconds(30)).first)

        time.advance(by: .seconds(20))
        #expect(try await queue.heartbeat(stale, lease: .seconds(30)))
        time.advance(by: .seconds(29))
        #expect(try await queue.claim(kinds: ["a"], limit: 1, worker: "new", lease: .seconds(30)).isEmpty)

        time.advance(by: .seconds(2))
        let rescued = try #require(try await queue.claim(kinds: ["a"], limit: 1, worker: "new", lease: .seconds(30)).first)
        #expect(rescued.id == id && rescued.attempt == 2)

        #expect(try await !queue.finish(stale, .succeeded(note: "late")))
        #expect(try await !queue.heartbeat(stale, lease: .seconds(30)))
        #expect(try await !queue.finish(stale, .dead(AttemptFailure(error: "late"))))
        #expect(try await queue.finish(rescued, .succeeded(note: "ok")))

        let detail = try #require(try await queue.show(id: id))
        #expect(detail.job.state == .succeeded)
        #expect(detail.attempts.map(\.outcome) == [.leaseLost, .succeeded])
        #expect(detail.attempts.map(\.worker) == ["old", "new"])
        #expect(detail.attempts.last?.note == "ok")
    }

    @Test func oneHeartbeatRenewsEveryLeaseStillHeldAndReportsEachLostOne() async throws {
        let time = ManualTime()
        let queue = try Scratch().queue(time: time)
        for kind in ["a", "a", "b"] { _ = try await queue.enqueue(NewJob(kind: kind)) }
        let held = try await queue.claim(kinds: ["a"], limit: 2, worker: "w", lease: .seconds(30))
        let short = try #require(try await queue.claim(kinds: ["b"], limit: 1, worker: "w", lease: .seconds(10)).first)
        #expect(held.count == 2)
        // The attempt ended its own job (as a handler recording its success does): not a lost lease.
        #expect(try await queue.finish(held[1], .succeeded(note: "done")))
        // The short lease lapses and another worker takes the job over: lost.
        time.advance(by: .seconds(15))
        let rescued = try #require(try await queue.claim(kinds: ["b"], limit: 1, worker: "x", lease: .seconds(30)).first)
        #expect(rescued.id == short.id)
        #expect(try await queue.heartbeat(held + [short], lease: .seconds(30)) == [true, true, false])
        // Renewed at 15 s for 30 s: still held at 40 s, when the original lease would have lapsed.
        time.advance(by: .seconds(25))
        #expect(try await queue.claim(kinds: ["a"], limit: 3, worker: "x", lease: .seconds(30)).isEmpty)
    }

    @Test func releaseDoesNotChargeTheAttempt() async throws {
        let queue = try Scratch().queue()
        let id = try await queue.enqueue(NewJob(kind: "a")).id
        let job = try #require(try await queue.claim(kinds: ["a"], limit: 1, worker: "w", lease: .seconds(30)).first)
        #expect(try await queue.finish(job, .released))
        let again = try #require(try await queue.claim(kinds: ["a"], limit: 1, worker: "w2", lease: .seconds(30)).first)
        #expect(again.id == id && again.attempt == 1)
        #expect(try await queue.show(id: id)?.attempts.map(\.outcome) == [.released])
    }

    @Test func aFollowUpIsClaimedForTheHoldersWorkerOnlyWhenThatWorkerRunsItsKind() async throws {
        let time = ManualTime()
        let queue = try Scratch().queue(time: time)
        _ = try await queue.enqueue(NewJob(kind: "first"))
        let holder = try #require(
            try await queue.claim(kinds: ["first", "next"], limit: 1, worker: "w", lease: .seconds(30)).first)
        let (claimed, other, again) = try await queue.database.write { db in
            (
                try queue.enqueue(NewJob(kind: "next", uniqueKey: "next:1"), after: holder, in: db),
                try queue.enqueue(NewJob(kind: "elsewhere"), after: holder, in: db),
                try queue.enqueue(NewJob(kind: "next", uniqueKey: "next:1"), after: holder, in: db)
            )
        }
        let followUp = try #require(claimed)
        #expect(followUp.kind == "next" && followUp.worker == "w" && followUp.attempt == 1 && followUp.lease == .seconds(30))
        #expect(other == nil, "a kind the worker does not run is only enqueued")
        #expect(again == nil, "an existing unique key claims nothing")

        // Held like any claim: no other worker gets it, the holder can finish it, and a lapsed lease frees it.
        #expect(try await queue.claim(kinds: ["next"], limit: 5, worker: "x", lease: .seconds(30)).isEmpty)
        let row = try #require(try await queue.show(id: followUp.id)?.job)
        #expect(row.state == .running && row.worker == "w")
        #expect(try await queue.list(JobFilter(state: .queued)).map(\.kind) == ["elsewhere"])
        time.advance(by: .seconds(31))
        let rescued = try #require(try await queue.claim(kinds: ["next"], limit: 1, worker: "x", lease: .seconds(30)).first)
        #expect(rescued.id == followUp.id && rescued.attempt == 2)
        #expect(try await !queue.finish(followUp, .succeeded(note: "late")))
    }

    @Test func enqueueInsideAWriteWakesWorkersOnlyAfterCommit() async throws {
        let queue = try Scratch().queue()
        let signal = WakeSignal()
        queue.notifier.subscribe(signal)
        let before = signal.generation
        try await queue.database.write { db in
            _ = try queue.enqueue(NewJob(kind: "a"), in: db)
            #expect(signal.generation == before)
        }
        #expect(signal.generation > before)
    }
}
