import Foundation
import GatewayStore
import Testing

/// `JobQueue`: unique keys, leased claims, transitions fenced by the lease token, and the operator's verbs.
@Suite("JobQueue", .serialized)
struct JobQueueTests {
    private let lease: Duration = .seconds(30)

    private func claimOne(
        _ jobs: any JobQueue, kinds: Set<String> = ["work"], worker: String = "worker-1"
    ) async throws -> ClaimedJob? {
        try await jobs.claim(kinds: kinds, limit: 1, worker: worker, lease: lease).first
    }

    // MARK: Enqueue

    @Test(arguments: ConformanceBackend.allCases)
    func enqueueStoresTheJobAsGiven(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let runAt = fixture.now.addingTimeInterval(60)
        let new = NewJob(
            kind: "work", payload: Data(#"{"x":1}"#.utf8), priority: 3, runAt: runAt, maxAttempts: 7, uniqueKey: "work:1")

        let result = try await fixture.jobs.enqueue(new)

        #expect(result.inserted)
        let job = try #require(try await fixture.jobs.show(id: result.id)?.job)
        #expect(job.kind == "work")
        #expect(job.state == .queued)
        #expect(job.payload == new.payload)
        #expect(job.priority == 3)
        #expect(job.runAt == runAt)
        #expect(job.attempt == 0)
        #expect(job.maxAttempts == 7)
        #expect(job.uniqueKey == "work:1")
        #expect(job.worker == nil)
        #expect(job.lockedUntil == nil)
        #expect(job.createdAt == fixture.now)
        #expect(job.finishedAt == nil)
        #expect(job.lastError == nil)
        #expect(try await fixture.jobs.show(id: result.id)?.attempts == [])
    }

    @Test(arguments: ConformanceBackend.allCases)
    func aJobWithoutRunAtRunsNow(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let id = try await fixture.jobs.enqueue(NewJob(kind: "work")).id
        #expect(try await fixture.jobs.show(id: id)?.job.runAt == fixture.now)
        #expect(try await claimOne(fixture.jobs)?.id == id)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func enqueueOfATakenUniqueKeyYieldsTheExistingJob(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let first = try await fixture.jobs.enqueue(NewJob(kind: "work", payload: Data("1".utf8), uniqueKey: "k"))
        fixture.clock.advance(by: .seconds(5))

        let again = try await fixture.jobs.enqueue(NewJob(kind: "work", payload: Data("2".utf8), uniqueKey: "k"))
        let batch = try await fixture.jobs.enqueue([
            NewJob(kind: "work", uniqueKey: "other"), NewJob(kind: "work", uniqueKey: "other"),
            NewJob(kind: "work", uniqueKey: "k"), NewJob(kind: "work"), NewJob(kind: "work"),
        ])

        #expect(again == EnqueueResult(id: first.id, inserted: false))
        #expect(try await fixture.jobs.show(id: first.id)?.job.payload == Data("1".utf8), "the existing job is unchanged")
        #expect(batch.map(\.inserted) == [true, false, false, true, true])
        #expect(batch[1].id == batch[0].id)
        #expect(batch[2].id == first.id)
        #expect(Set(batch.map(\.id)).count == 4, "jobs without a key are never merged")
    }

    @Test(arguments: ConformanceBackend.allCases)
    func aUniqueKeyStaysTakenAfterItsJobEnds(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let first = try await fixture.jobs.enqueue(NewJob(kind: "work", uniqueKey: "k"))
        let job = try #require(try await claimOne(fixture.jobs))
        _ = try await fixture.jobs.finish(job, .succeeded(note: nil))

        #expect(try await fixture.jobs.enqueue(NewJob(kind: "work", uniqueKey: "k")) == EnqueueResult(id: first.id, inserted: false))
    }

    @Test(arguments: ConformanceBackend.allCases)
    func jobsByUniqueKeysAreOldestFirst(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        for key in ["k1", "k2", "k3"] {
            _ = try await fixture.jobs.enqueue(NewJob(kind: "work", uniqueKey: key))
            fixture.clock.advance(by: .seconds(1))
        }

        #expect(try await fixture.jobs.jobs(uniqueKeys: ["k3", "missing", "k1"]).map(\.uniqueKey) == ["k1", "k3"])
        #expect(try await fixture.jobs.jobs(uniqueKeys: []) == [])
    }

    // MARK: Claim

    @Test(arguments: ConformanceBackend.allCases)
    func claimHandsOutTheLeaseToken(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let created = fixture.now
        let id = try await fixture.jobs.enqueue(
            NewJob(kind: "work", payload: Data("p".utf8), priority: 2, maxAttempts: 4, uniqueKey: "work:1")
        ).id
        fixture.clock.advance(by: .seconds(3))

        let job = try #require(try await fixture.jobs.claim(kinds: ["work", "other"], limit: 5, worker: "worker-1", lease: lease).first)

        #expect(job.id == id)
        #expect(job.kind == "work")
        #expect(job.payload == Data("p".utf8))
        #expect(job.priority == 2)
        #expect(job.attempt == 1)
        #expect(job.maxAttempts == 4)
        #expect(job.uniqueKey == "work:1")
        #expect(job.createdAt == created)
        #expect(job.worker == "worker-1")
        #expect(job.claimedAt == fixture.now)
        #expect(job.budgetAttempt == 1)
        #expect(job.budgetSince == created)
        #expect(job.lease == lease)
        #expect(job.workerKinds == ["work", "other"])
        let row = try #require(try await fixture.jobs.show(id: id)?.job)
        #expect(row.state == .running)
        #expect(row.worker == "worker-1")
        #expect(row.attempt == 1)
        #expect(row.lockedUntil == fixture.now.addingTimeInterval(30))
    }

    @Test(arguments: ConformanceBackend.allCases)
    func claimTakesByPriorityThenRunAtThenAgeAndNothingNotYetDue(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let jobs = fixture.jobs
        let now = fixture.now
        let plain = try await jobs.enqueue(NewJob(kind: "work")).id
        let urgent = try await jobs.enqueue(NewJob(kind: "work", priority: -1)).id
        let overdue = try await jobs.enqueue(NewJob(kind: "work", runAt: now.addingTimeInterval(-10))).id
        let younger = try await jobs.enqueue(NewJob(kind: "work")).id
        let later = try await jobs.enqueue(NewJob(kind: "work", priority: -5, runAt: now.addingTimeInterval(60))).id

        var order: [Int64] = []
        while let job = try await claimOne(jobs) { order.append(job.id) }
        fixture.clock.advance(by: .seconds(60))
        let due = try await claimOne(jobs)

        #expect(order == [urgent, overdue, plain, younger])
        #expect(due?.id == later)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func claimTakesOnlyTheGivenKindsUpToTheLimit(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        _ = try await fixture.jobs.enqueue((0..<3).map { _ in NewJob(kind: "work") } + [NewJob(kind: "other")])

        let first = try await fixture.jobs.claim(kinds: ["work"], limit: 2, worker: "worker-1", lease: lease)
        let second = try await fixture.jobs.claim(kinds: ["work"], limit: 2, worker: "worker-1", lease: lease)
        let none = try await fixture.jobs.claim(kinds: [], limit: 2, worker: "worker-1", lease: lease)
        let zero = try await fixture.jobs.claim(kinds: ["other"], limit: 0, worker: "worker-1", lease: lease)

        #expect(first.count == 2)
        #expect(second.count == 1)
        #expect((first + second).allSatisfy { $0.kind == "work" })
        #expect(none == [])
        #expect(zero == [])
        #expect(try await fixture.jobs.list(JobFilter(state: .queued)).map(\.kind) == ["other"])
    }

    // MARK: Finish

    @Test(arguments: ConformanceBackend.allCases)
    func finishSucceededEndsTheJobAndLogsTheAttempt(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        _ = try await fixture.jobs.enqueue(NewJob(kind: "work"))
        let job = try #require(try await claimOne(fixture.jobs))
        fixture.clock.advance(by: .seconds(2))

        #expect(try await fixture.jobs.finish(job, .succeeded(note: "done")))

        let detail = try #require(try await fixture.jobs.show(id: job.id))
        #expect(detail.job.state == .succeeded)
        #expect(detail.job.finishedAt == fixture.now)
        #expect(detail.job.worker == nil)
        #expect(detail.job.lockedUntil == nil)
        let attempt = try #require(detail.attempts.first)
        #expect(detail.attempts.count == 1)
        #expect(attempt.jobID == job.id)
        #expect(attempt.attempt == 1)
        #expect(attempt.worker == "worker-1")
        #expect(attempt.startedAt == job.claimedAt)
        #expect(attempt.durationMilliseconds == 2000)
        #expect(attempt.outcome == .succeeded)
        #expect(attempt.note == "done")
        #expect(attempt.error == nil)
        #expect(try await claimOne(fixture.jobs) == nil)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func finishRetrySchedulesTheNextAttempt(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        _ = try await fixture.jobs.enqueue(NewJob(kind: "work"))
        let job = try #require(try await claimOne(fixture.jobs))
        let next = fixture.now.addingTimeInterval(10)
        let failure = AttemptFailure(error: "upstream 503", httpStatus: 503, responseExcerpt: "busy")

        #expect(try await fixture.jobs.finish(job, .retry(at: next, failure)))

        let detail = try #require(try await fixture.jobs.show(id: job.id))
        #expect(detail.job.state == .queued)
        #expect(detail.job.runAt == next)
        #expect(detail.job.lastError == "upstream 503")
        #expect(detail.job.worker == nil)
        let attempt = try #require(detail.attempts.first)
        #expect(attempt.outcome == .retry)
        #expect(attempt.error == "upstream 503")
        #expect(attempt.httpStatus == 503)
        #expect(attempt.responseExcerpt == "busy")
        #expect(attempt.nextRunAt == next)
        #expect(try await claimOne(fixture.jobs) == nil, "not before its time")
        fixture.clock.advance(by: .seconds(10))
        let again = try #require(try await claimOne(fixture.jobs))
        #expect(again.attempt == 2)
        #expect(again.budgetAttempt == 2)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func finishDeadGivesTheJobUp(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        _ = try await fixture.jobs.enqueue(NewJob(kind: "work"))
        let job = try #require(try await claimOne(fixture.jobs))

        #expect(try await fixture.jobs.finish(job, .dead(AttemptFailure(error: "malformed"))))

        let detail = try #require(try await fixture.jobs.show(id: job.id))
        #expect(detail.job.state == .dead)
        #expect(detail.job.finishedAt == fixture.now)
        #expect(detail.job.lastError == "malformed")
        #expect(detail.attempts.map(\.outcome) == [.dead])
        #expect(try await claimOne(fixture.jobs) == nil)
        #expect(try await fixture.jobs.stats(registeredKinds: ["work"]).deadCount == 1)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func finishReleasedRequeuesWithoutChargingTheAttempt(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        _ = try await fixture.jobs.enqueue(NewJob(kind: "work"))
        let job = try #require(try await claimOne(fixture.jobs))

        #expect(try await fixture.jobs.finish(job, .released))

        #expect(try await fixture.jobs.show(id: job.id)?.job.state == .queued)
        #expect(try await fixture.jobs.show(id: job.id)?.attempts.map(\.outcome) == [.released])
        let again = try #require(try await claimOne(fixture.jobs, worker: "worker-2"))
        #expect(again.id == job.id)
        #expect(again.attempt == 1)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func finishingTwiceIsRefusedTheSecondTime(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        _ = try await fixture.jobs.enqueue(NewJob(kind: "work"))
        let job = try #require(try await claimOne(fixture.jobs))

        #expect(try await fixture.jobs.finish(job, .succeeded(note: nil)))
        #expect(try await fixture.jobs.finish(job, .dead(AttemptFailure(error: "late"))) == false)

        let detail = try #require(try await fixture.jobs.show(id: job.id))
        #expect(detail.job.state == .succeeded)
        #expect(detail.attempts.count == 1)
    }

    // MARK: Leases

    @Test(arguments: ConformanceBackend.allCases)
    func aLapsedLeaseIsRescuedAndItsOldHolderCanChangeNothing(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        _ = try await fixture.jobs.enqueue(NewJob(kind: "work"))
        let lost = try #require(try await claimOne(fixture.jobs, worker: "worker-1"))
        #expect(try await claimOne(fixture.jobs, worker: "worker-2") == nil, "held while the lease runs")
        fixture.clock.advance(by: .seconds(31))

        let rescued = try #require(try await claimOne(fixture.jobs, worker: "worker-2"))

        #expect(rescued.id == lost.id)
        #expect(rescued.attempt == 2)
        #expect(try await fixture.jobs.heartbeat(lost, lease: lease) == false)
        #expect(try await fixture.jobs.finish(lost, .succeeded(note: "stale")) == false)
        let during = try #require(try await fixture.jobs.show(id: lost.id))
        #expect(during.job.state == .running)
        #expect(during.job.worker == "worker-2")
        #expect(during.attempts.map(\.outcome) == [.leaseLost])
        #expect(during.attempts.first?.worker == "worker-1")
        #expect(during.attempts.first?.attempt == 1)

        #expect(try await fixture.jobs.finish(rescued, .dead(AttemptFailure(error: "for good"))))
        // The old holder comes back once more: the newer outcome stands.
        #expect(try await fixture.jobs.finish(lost, .succeeded(note: "stale")) == false)
        #expect(try await fixture.jobs.heartbeat(lost, lease: lease) == false)
        let after = try #require(try await fixture.jobs.show(id: lost.id))
        #expect(after.job.state == .dead)
        #expect(after.attempts.map(\.outcome) == [.leaseLost, .dead])
        #expect(after.attempts.map(\.worker) == ["worker-1", "worker-2"])
    }

    @Test(arguments: ConformanceBackend.allCases)
    func aHeartbeatKeepsTheLease(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        _ = try await fixture.jobs.enqueue(NewJob(kind: "work"))
        let job = try #require(try await claimOne(fixture.jobs, worker: "worker-1"))
        fixture.clock.advance(by: .seconds(20))

        #expect(try await fixture.jobs.heartbeat(job, lease: lease))
        #expect(try await fixture.jobs.show(id: job.id)?.job.lockedUntil == fixture.now.addingTimeInterval(30))
        fixture.clock.advance(by: .seconds(20))
        #expect(try await claimOne(fixture.jobs, worker: "worker-2") == nil, "40 s after the claim, 20 s after the beat")
        #expect(try await fixture.jobs.finish(job, .succeeded(note: nil)))
    }

    @Test(arguments: ConformanceBackend.allCases)
    func aHeartbeatAfterTheAttemptEndedItsJobIsNotALoss(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        _ = try await fixture.jobs.enqueue(NewJob(kind: "work"))
        let job = try #require(try await claimOne(fixture.jobs))
        #expect(try await fixture.jobs.finish(job, .succeeded(note: nil)))

        #expect(try await fixture.jobs.heartbeat(job, lease: lease))
        #expect(try await fixture.jobs.show(id: job.id)?.job.state == .succeeded)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func batchedHeartbeatsAndFinishesAreFencedJobByJob(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        _ = try await fixture.jobs.enqueue(NewJob(kind: "work"))
        let lost = try #require(try await claimOne(fixture.jobs, worker: "worker-1"))
        fixture.clock.advance(by: .seconds(31))
        _ = try await fixture.jobs.enqueue(NewJob(kind: "work"))
        let taken = try await fixture.jobs.claim(kinds: ["work"], limit: 2, worker: "worker-2", lease: lease)
        #expect(taken.count == 2)
        let held = try #require(taken.first { $0.id != lost.id })

        #expect(try await fixture.jobs.heartbeat([held, lost], lease: lease) == [true, false])
        #expect(try await fixture.jobs.finish([JobFinish(held, .succeeded(note: nil)), JobFinish(lost, .succeeded(note: nil))]) == [true, false])

        #expect(try await fixture.jobs.show(id: held.id)?.job.state == .succeeded)
        #expect(try await fixture.jobs.show(id: lost.id)?.job.state == .running)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func aBatchedEnqueueKeepsInputOrderAndEveryColumn(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let later = fixture.now.addingTimeInterval(60)
        let taken = try await fixture.jobs.enqueue(NewJob(kind: "work", uniqueKey: "taken"))
        let batch = try await fixture.jobs.enqueue([
            NewJob(kind: "work", payload: Data("a".utf8), uniqueKey: "a", mgOCID: 7),
            NewJob(kind: "work", uniqueKey: "taken"),
            NewJob(kind: "work", payload: Data("b".utf8), priority: 1, runAt: later, maxAttempts: 3, mgOCID: .max),
            NewJob(kind: "work", uniqueKey: "a"),
            NewJob(kind: "work", payload: Data("c".utf8)),
        ])

        #expect(batch.map(\.inserted) == [true, false, true, false, true])
        #expect(batch[1].id == taken.id)
        #expect(batch[3].id == batch[0].id)
        #expect(batch[0].id < batch[2].id && batch[2].id < batch[4].id, "ids follow the input order")
        let a = try #require(try await fixture.jobs.show(id: batch[0].id)?.job)
        #expect(a.payload == Data("a".utf8))
        #expect(a.mgOCID == 7)
        #expect(a.runAt == fixture.now)
        let b = try #require(try await fixture.jobs.show(id: batch[2].id)?.job)
        #expect(b.payload == Data("b".utf8))
        #expect(b.priority == 1)
        #expect(b.runAt == later)
        #expect(b.maxAttempts == 3)
        #expect(b.uniqueKey == nil)
        #expect(b.mgOCID == .max)
        let claimed = try await fixture.jobs.claim(kinds: ["work"], limit: 5, worker: "worker-1", lease: lease)
        #expect(claimed.map(\.id) == [taken.id, batch[0].id, batch[4].id])
    }

    @Test(arguments: ConformanceBackend.allCases)
    func aBatchedFinishAppliesEachTransitionAndAnswersInInputOrder(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let first = try await fixture.jobs.enqueue(NewJob(kind: "work")).id
        let lost = try #require(try await claimOne(fixture.jobs, worker: "worker-1"))
        fixture.clock.advance(by: .seconds(31))
        _ = try await fixture.jobs.enqueue((0..<4).map { _ in NewJob(kind: "work") })
        let taken = try await fixture.jobs.claim(kinds: ["work"], limit: 5, worker: "worker-2", lease: lease)
        #expect(taken.count == 5)
        #expect(taken[0].id == first)
        let (held, retried, dead, released, succeeded) = (taken[0], taken[1], taken[2], taken[3], taken[4])
        fixture.clock.advance(by: .seconds(2))
        let next = fixture.now.addingTimeInterval(10)
        let failure = AttemptFailure(error: "upstream 503", httpStatus: 503, responseExcerpt: "busy")

        let results = try await fixture.jobs.finish([
            JobFinish(lost, .succeeded(note: "stale")), JobFinish(retried, .retry(at: next, failure)),
            JobFinish(dead, .dead(AttemptFailure(error: "gone"))), JobFinish(held, .succeeded(note: "held")),
            JobFinish(released, .released), JobFinish(succeeded, .succeeded(note: nil)),
            JobFinish(held, .dead(AttemptFailure(error: "again"))),
        ])

        #expect(results == [false, true, true, true, true, true, false], "the lost lease, then a token given twice")
        let heldDetail = try #require(try await fixture.jobs.show(id: held.id))
        #expect(heldDetail.job.state == .succeeded)
        #expect(heldDetail.attempts.map(\.outcome) == [.leaseLost, .succeeded])
        #expect(heldDetail.attempts.last?.note == "held")
        #expect(heldDetail.attempts.last?.worker == "worker-2")
        #expect(heldDetail.attempts.last?.durationMilliseconds == 2000)
        let retriedDetail = try #require(try await fixture.jobs.show(id: retried.id))
        #expect(retriedDetail.job.state == .queued)
        #expect(retriedDetail.job.runAt == next)
        #expect(retriedDetail.job.lastError == "upstream 503")
        #expect(retriedDetail.attempts.map(\.outcome) == [.retry])
        #expect(retriedDetail.attempts.first?.httpStatus == 503)
        #expect(retriedDetail.attempts.first?.responseExcerpt == "busy")
        #expect(retriedDetail.attempts.first?.nextRunAt == next)
        let deadDetail = try #require(try await fixture.jobs.show(id: dead.id))
        #expect(deadDetail.job.state == .dead)
        #expect(deadDetail.job.finishedAt == fixture.now)
        #expect(deadDetail.attempts.map(\.error) == ["gone"])
        let releasedDetail = try #require(try await fixture.jobs.show(id: released.id))
        #expect(releasedDetail.job.state == .queued)
        #expect(releasedDetail.job.attempt == released.attempt - 1)
        #expect(releasedDetail.attempts.map(\.outcome) == [.released])
        let succeededDetail = try #require(try await fixture.jobs.show(id: succeeded.id))
        #expect(succeededDetail.job.state == .succeeded)
        #expect(succeededDetail.attempts.map(\.outcome) == [.succeeded])
    }

    // MARK: Operators

    @Test(arguments: ConformanceBackend.allCases)
    func cancelStopsAQueuedJob(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let id = try await fixture.jobs.enqueue(NewJob(kind: "work", runAt: fixture.now.addingTimeInterval(60))).id

        try await fixture.jobs.cancel(id: id)

        let job = try #require(try await fixture.jobs.show(id: id)?.job)
        #expect(job.state == .cancelled)
        #expect(job.finishedAt == fixture.now)
        fixture.clock.advance(by: .seconds(60))
        #expect(try await claimOne(fixture.jobs) == nil)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func cancelRefusesRunningFinishedAndUnknownJobs(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let jobs = fixture.jobs
        _ = try await jobs.enqueue([NewJob(kind: "work"), NewJob(kind: "work")])
        let running = try #require(try await claimOne(jobs))
        let done = try #require(try await claimOne(jobs))
        _ = try await jobs.finish(done, .succeeded(note: nil))

        await #expect(throws: QueueError.jobRunning(id: running.id, kind: "work", worker: "worker-1")) {
            try await jobs.cancel(id: running.id)
        }
        do {
            try await jobs.cancel(id: done.id)
            Issue.record("a succeeded job was cancelled")
        } catch QueueError.wrongState(let id, let state, _) {
            #expect(id == done.id)
            #expect(state == .succeeded)
        }
        await #expect(throws: QueueError.jobNotFound(id: 999_999)) { try await jobs.cancel(id: 999_999) }
        #expect(try await jobs.show(id: running.id)?.job.state == .running)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func retryRequeuesADeadJobWithAFreshBudget(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        _ = try await fixture.jobs.enqueue(NewJob(kind: "work", runAt: fixture.now.addingTimeInterval(-5)))
        let first = try #require(try await claimOne(fixture.jobs))
        _ = try await fixture.jobs.finish(first, .dead(AttemptFailure(error: "down")))
        fixture.clock.advance(by: .seconds(100))
        let retriedAt = fixture.now

        try await fixture.jobs.retry(id: first.id)

        let job = try #require(try await fixture.jobs.show(id: first.id)?.job)
        #expect(job.state == .queued)
        #expect(job.runAt == retriedAt)
        #expect(job.finishedAt == nil)
        let again = try #require(try await claimOne(fixture.jobs))
        #expect(again.attempt == 2, "the attempt count is kept")
        #expect(again.budgetAttempt == 1, "the retry budget starts over")
        #expect(again.budgetSince == retriedAt)
        #expect(try await fixture.jobs.show(id: first.id)?.attempts.map(\.outcome) == [.dead])
    }

    @Test(arguments: ConformanceBackend.allCases)
    func retryRequeuesACancelledJob(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let id = try await fixture.jobs.enqueue(NewJob(kind: "work")).id
        try await fixture.jobs.cancel(id: id)

        try await fixture.jobs.retry(id: id)

        #expect(try await claimOne(fixture.jobs)?.id == id)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func retryRefusesJobsThatAreNotDeadOrCancelled(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let jobs = fixture.jobs
        let queued = try await jobs.enqueue(NewJob(kind: "other")).id
        _ = try await jobs.enqueue(NewJob(kind: "work"))
        let done = try #require(try await claimOne(jobs))
        _ = try await jobs.finish(done, .succeeded(note: nil))

        for (id, expected) in [(queued, JobState.queued), (done.id, .succeeded)] {
            do {
                try await jobs.retry(id: id)
                Issue.record("a \(expected) job was retried")
            } catch QueueError.wrongState(let refused, let state, _) {
                #expect(refused == id)
                #expect(state == expected)
            }
        }
        await #expect(throws: QueueError.jobNotFound(id: 999_999)) { try await jobs.retry(id: 999_999) }
    }

    @Test(arguments: ConformanceBackend.allCases)
    func retryMatchingRequeuesEveryDeadOrCancelledJobTheFilterMatches(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let jobs = fixture.jobs
        var dead: [Int64] = []
        for kind in ["a", "a", "b"] {
            _ = try await jobs.enqueue(NewJob(kind: kind))
            let job = try #require(try await claimOne(jobs, kinds: [kind]))
            _ = try await jobs.finish(job, .dead(AttemptFailure(error: "x")))
            dead.append(job.id)
        }
        let cancelled = try await jobs.enqueue(NewJob(kind: "a", runAt: fixture.now.addingTimeInterval(60))).id
        try await jobs.cancel(id: cancelled)
        let queued = try await jobs.enqueue(NewJob(kind: "a", runAt: fixture.now.addingTimeInterval(60))).id

        #expect(try await jobs.retry(matching: JobFilter(state: .dead, kind: "a")) == 2)
        #expect(try await jobs.retry(matching: JobFilter()) == 2, "the cancelled one and the dead b")
        #expect(try await jobs.retry(matching: JobFilter()) == 0)

        for id in dead + [cancelled, queued] {
            #expect(try await jobs.show(id: id)?.job.state == .queued)
        }
    }

    @Test(arguments: ConformanceBackend.allCases)
    func pruneDeletesSucceededAndCancelledJobsFinishedLongEnoughAgo(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let jobs = fixture.jobs
        func finished(_ transition: JobTransition, key: String) async throws -> Int64 {
            _ = try await jobs.enqueue(NewJob(kind: "work", uniqueKey: key))
            let job = try #require(try await claimOne(jobs))
            _ = try await jobs.finish(job, transition)
            return job.id
        }
        let succeeded = try await finished(.succeeded(note: nil), key: "s")
        let dead = try await finished(.dead(AttemptFailure(error: "x")), key: "d")
        let cancelled = try await jobs.enqueue(NewJob(kind: "work", runAt: fixture.now.addingTimeInterval(3600))).id
        try await jobs.cancel(id: cancelled)
        let queued = try await jobs.enqueue(NewJob(kind: "work", runAt: fixture.now.addingTimeInterval(3600))).id
        fixture.clock.advance(by: .seconds(3000))
        let recent = try await finished(.succeeded(note: nil), key: "r")
        fixture.clock.advance(by: .seconds(600))

        #expect(try await jobs.prune(olderThan: .seconds(1800)) == 2)

        #expect(try await jobs.show(id: succeeded) == nil)
        #expect(try await jobs.show(id: cancelled) == nil)
        for id in [dead, queued, recent] { #expect(try await jobs.show(id: id) != nil) }
        #expect(try await jobs.enqueue(NewJob(kind: "work", uniqueKey: "s")).inserted, "a pruned job's key is free again")
        #expect(try await jobs.enqueue(NewJob(kind: "work", uniqueKey: "d")).inserted == false)
    }

    /// A day of a busy gateway's jobs is more than one batch: every old one goes, in several transactions, and the
    /// young and the unfinished stay.
    @Test(arguments: ConformanceBackend.allCases)
    func pruneDeletesMoreThanABatchAndKeepsTheYoung(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let jobs = fixture.jobs
        let old = MaintenanceBatches.size * 2 + 7
        for start in stride(from: 0, to: old, by: 500) {
            let batch = (start..<min(old, start + 500)).map { NewJob(kind: "work", uniqueKey: "old-\($0)") }
            _ = try await jobs.enqueue(batch)
            let claimed = try await jobs.claim(kinds: ["work"], limit: batch.count, worker: "w", lease: .seconds(60))
            #expect(claimed.count == batch.count)
            _ = try await jobs.finish(claimed.map { JobFinish($0, .succeeded(note: nil)) })
        }
        let waiting = try await jobs.enqueue(NewJob(kind: "later", runAt: fixture.now.addingTimeInterval(86_400))).id
        fixture.clock.advance(by: .seconds(3600))
        _ = try await jobs.enqueue(NewJob(kind: "work", uniqueKey: "young"))
        let young = try #require(try await claimOne(jobs))
        _ = try await jobs.finish(young, .succeeded(note: nil))
        fixture.clock.advance(by: .seconds(600))

        let (pruned, batches) = try await batched { try await jobs.prune(olderThan: .seconds(1800)) }
        #expect(pruned == old)
        #expect(batches == [MaintenanceBatches.size, MaintenanceBatches.size, 7], "one transaction per batch")
        #expect(try await jobs.prune(olderThan: .seconds(1800)) == 0)
        #expect(try await jobs.show(id: young.id) != nil)
        #expect(try await jobs.show(id: waiting) != nil)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func listFiltersNewestFirst(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let jobs = fixture.jobs
        let first = try await jobs.enqueue(NewJob(kind: "a")).id
        fixture.clock.advance(by: .seconds(1))
        let second = try await jobs.enqueue(NewJob(kind: "b")).id
        fixture.clock.advance(by: .seconds(1))
        let t2 = fixture.now
        let third = try await jobs.enqueue(NewJob(kind: "a", runAt: t2.addingTimeInterval(60))).id
        fixture.clock.advance(by: .seconds(1))
        let t3 = fixture.now
        let claimed = try #require(try await claimOne(jobs, kinds: ["a"]))
        #expect(claimed.id == first)
        _ = try await jobs.finish(claimed, .succeeded(note: nil))

        func ids(_ filter: JobFilter) async throws -> [Int64] { try await jobs.list(filter).map(\.id) }
        #expect(try await ids(JobFilter()) == [third, second, first])
        #expect(try await ids(JobFilter(state: .succeeded)) == [first])
        #expect(try await ids(JobFilter(kind: "a")) == [third, first])
        #expect(try await ids(JobFilter(state: .queued, kind: "a")) == [third])
        #expect(try await ids(JobFilter(limit: 2)) == [third, second])
        #expect(try await ids(JobFilter(since: t3)) == [first], "last changed at or after")
        #expect(try await ids(JobFilter(until: t2)) == [second], "last changed before")
        #expect(try await ids(JobFilter(state: .dead)) == [])
    }

    @Test(arguments: ConformanceBackend.allCases)
    func showOfAnUnknownJobIsNil(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        #expect(try await fixture.jobs.show(id: 12_345) == nil)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func statsCountKindsStatesAgesAndUnhandledKinds(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let jobs = fixture.jobs
        _ = try await jobs.enqueue(NewJob(kind: "a"))
        _ = try await jobs.enqueue(NewJob(kind: "b"))
        let b = try #require(try await claimOne(jobs, kinds: ["b"]))
        _ = try await jobs.finish(b, .dead(AttemptFailure(error: "x")))
        fixture.clock.advance(by: .seconds(30))
        _ = try await jobs.enqueue([
            NewJob(kind: "a"), NewJob(kind: "a", runAt: fixture.now.addingTimeInterval(3600)), NewJob(kind: "c"),
        ])
        fixture.clock.advance(by: .seconds(30))

        let stats = try await jobs.stats(registeredKinds: ["a", "b"])

        #expect(stats.counts == [
            JobStats.KindState(kind: "a", state: .queued): 3, JobStats.KindState(kind: "b", state: .dead): 1,
            JobStats.KindState(kind: "c", state: .queued): 1,
        ])
        #expect(stats.oldestRunnableAge == .seconds(60))
        #expect(stats.oldestRunnableAgeByKind == ["a": .seconds(60), "c": .seconds(30)])
        #expect(stats.attemptsLastHour == 1)
        #expect(stats.deadCount == 1)
        #expect(stats.unhandledKinds == ["c"])
        fixture.clock.advance(by: .seconds(7200))
        #expect(try await jobs.stats(registeredKinds: ["a", "b", "c"]).attemptsLastHour == 0)
        #expect(try await jobs.stats(registeredKinds: ["a", "b", "c"]).unhandledKinds == [])
    }

    @Test(arguments: ConformanceBackend.allCases)
    func statsOfAnEmptyQueue(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let stats = try await fixture.jobs.stats(registeredKinds: ["a"])
        #expect(stats.counts.isEmpty)
        #expect(stats.oldestRunnableAge == nil)
        #expect(stats.oldestRunnableAgeByKind.isEmpty)
        #expect(stats.deadCount == 0)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func pendingWorkCountsRunningAndDueJobsExceptTheExcludedKinds(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let jobs = fixture.jobs
        _ = try await jobs.enqueue([
            NewJob(kind: "a"), NewJob(kind: "a", runAt: fixture.now.addingTimeInterval(60)), NewJob(kind: "b"),
            NewJob(kind: "maintenance"),
        ])
        _ = try await claimOne(jobs, kinds: ["b"])
        let done = try await jobs.enqueue(NewJob(kind: "c")).id
        let c = try #require(try await claimOne(jobs, kinds: ["c"]))
        #expect(c.id == done)
        _ = try await jobs.finish(c, .succeeded(note: nil))

        #expect(try await jobs.pendingWork(excludingKinds: ["maintenance"]) == 2)
        #expect(try await jobs.pendingWork(excludingKinds: []) == 3)
        fixture.clock.advance(by: .seconds(60))
        #expect(try await jobs.pendingWork(excludingKinds: ["maintenance"]) == 3)
        // A running maintenance job counts: a drain waits for an inbox run that may be answering a file.
        _ = try #require(try await claimOne(jobs, kinds: ["maintenance"]))
        #expect(try await jobs.pendingWork(excludingKinds: ["maintenance"]) == 4)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func theDrainFlagIsSharedState(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        #expect(try await fixture.jobs.isDraining() == false)

        try await fixture.jobs.setDraining(true)
        #expect(try await fixture.jobs.isDraining())
        try await fixture.jobs.setDraining(true)
        #expect(try await fixture.jobs.isDraining())
        try await fixture.jobs.setDraining(false)
        #expect(try await fixture.jobs.isDraining() == false)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func enqueueWakesThisProcesssWorkers(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let signal = WakeSignal()
        fixture.jobs.notifier.subscribe(signal)
        defer { fixture.jobs.notifier.unsubscribe(signal) }
        let before = signal.generation

        _ = try await fixture.jobs.enqueue(NewJob(kind: "work"))

        #expect(signal.generation > before)
    }

    /// `ocgate bench queue --workers N`: the pipelines run at once on one queue (each one's first claim waits for the
    /// others'), each claiming what is due whoever enqueued it, and together they finish every job exactly once.
    @Test(.timeLimit(.minutes(1)), arguments: ConformanceBackend.allCases)
    func theQueueBenchmarksWorkersRunAtOnceAndFinishEveryJobOnce(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let barrier = ClaimBarrierQueue(fixture.jobs, workers: 3)

        let result = try await QueueBenchmark.run(
            queue: barrier, rawCommit: { _ in }, jobs: 250, batch: 40, workers: 3, singles: 1)

        #expect(result.pipelineJobsPerSecond > 0)
        #expect(barrier.arrivedWorkers == ["bench-1", "bench-2", "bench-3"])
        let counts = try await fixture.jobs.stats(registeredKinds: ["bench", "bench.single"]).counts
        #expect(counts[JobStats.KindState(kind: "bench", state: .succeeded)] == 250)
        #expect(counts.filter { $0.key.kind == "bench" && $0.key.state != .succeeded }.values.reduce(0, +) == 0)
        let attempts = try await fixture.jobs.list(JobFilter(kind: "bench", limit: 300)).map(\.attempt)
        #expect(attempts.count == 250 && attempts.allSatisfy { $0 == 1 }, "each job claimed once")
    }
}
