import Foundation
import GatewayStore
import Testing

/// `JobQueue` as the operator console pages and acts on it: keyset pages, the MG and error-text filters, counts,
/// and bulk retries and cancels that cover exactly what a count promised.
@Suite("JobQueue listings and bulk actions", .serialized)
struct JobListingTests {
    private let lease: Duration = .seconds(30)

    /// Enqueues one job of `kind` and ends its one attempt as dead with `error`; returns its id.
    @discardableResult
    private func deadJob(
        _ fixture: StoreFixture, kind: String = "work", mg: UInt64? = nil, error: String = "failed"
    ) async throws -> Int64 {
        let id = try await fixture.jobs.enqueue(NewJob(kind: kind, mgOCID: mg)).id
        let claimed = try #require(try await fixture.jobs.claim(kinds: [kind], limit: 1, worker: "w", lease: lease).first)
        #expect(claimed.id == id)
        #expect(try await fixture.jobs.finish(claimed, .dead(AttemptFailure(error: error))))
        return id
    }

    private func states(_ fixture: StoreFixture, _ ids: [Int64]) async throws -> [JobState?] {
        var states: [JobState?] = []
        for id in ids { states.append(try await fixture.jobs.show(id: id)?.job.state) }
        return states
    }

    @Test(arguments: ConformanceBackend.allCases)
    func enqueueStoresTheMGAndListingsFilterByIt(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let ours = try await fixture.jobs.enqueue([
            NewJob(kind: "work", mgOCID: Seed.mg), NewJob(kind: "work", mgOCID: Seed.otherMG), NewJob(kind: "work"),
            NewJob(kind: "other", mgOCID: Seed.mg),
        ]).map(\.id)
        // An OCID above Int64.max keeps its value.
        let high = try await fixture.jobs.enqueue(NewJob(kind: "work", mgOCID: UInt64.max - 1)).id

        #expect(try await fixture.jobs.show(id: ours[0])?.job.mgOCID == Seed.mg)
        #expect(try await fixture.jobs.show(id: ours[2])?.job.mgOCID == nil)
        #expect(try await fixture.jobs.show(id: high)?.job.mgOCID == UInt64.max - 1)
        #expect(try await fixture.jobs.list(JobFilter(mgOCID: Seed.mg)).map(\.id) == [ours[3], ours[0]])
        #expect(try await fixture.jobs.list(JobFilter(kind: "work", mgOCID: Seed.mg)).map(\.id) == [ours[0]])
        #expect(try await fixture.jobs.list(JobFilter(mgOCID: UInt64.max - 1)).map(\.id) == [high])
        #expect(try await fixture.jobs.count(matching: JobFilter(mgOCID: Seed.mg)) == 2)
        #expect(try await fixture.jobs.count(matching: JobFilter()) == 5)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func keysetPagesCoverEveryMatchingJobOnceNewestFirst(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let ids = try await fixture.jobs.enqueue((0..<23).map { n in
            NewJob(kind: n % 3 == 0 ? "other" : "work", mgOCID: n % 2 == 0 ? Seed.mg : Seed.otherMG)
        }).map(\.id)
        let expected = zip(0..., ids).filter { n, _ in n % 3 != 0 && n % 2 == 0 }.map(\.1).sorted(by: >)

        var seen: [Int64] = []
        var filter = JobFilter(kind: "work", mgOCID: Seed.mg, limit: 2)
        while true {
            let page = try await fixture.jobs.list(filter)
            #expect(page.count <= 2)
            guard let last = page.last else { break }
            seen += page.map(\.id)
            filter.beforeID = last.id
        }

        #expect(seen == expected)
        #expect(try await fixture.jobs.count(matching: filter) == expected.count, "a count ignores beforeID and limit")
    }

    @Test(arguments: ConformanceBackend.allCases)
    func errorTextMatchesLiterallyIgnoringCase(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let percent = try await deadJob(fixture, error: "Timeout after 5% of the budget")
        let underscore = try await deadJob(fixture, error: "peer said rate_limited")
        let lookalike = try await deadJob(fixture, error: "peer said ratexlimited")
        let fifty = try await deadJob(fixture, error: "50 failures in a row")
        _ = try await fixture.jobs.enqueue(NewJob(kind: "work"))  // no error at all

        func matching(_ text: String) async throws -> [Int64] {
            try await fixture.jobs.list(JobFilter(errorContains: text)).map(\.id)
        }
        #expect(try await matching("5%") == [percent], "% is a character, not a wildcard")
        #expect(try await matching("_limited") == [underscore], "_ is a character, not a wildcard")
        #expect(try await matching("TIMEOUT") == [percent])
        #expect(try await matching("RATE") == [lookalike, underscore])
        #expect(try await matching("\\") == [])
        #expect(try await matching("failures") == [fifty])
        #expect(try await fixture.jobs.count(matching: JobFilter(state: .dead, errorContains: "peer said")) == 2)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func sinceAndUntilBoundTheLastChange(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let start = fixture.now
        let early = try await fixture.jobs.enqueue(NewJob(kind: "work")).id
        fixture.clock.advance(by: .seconds(60))
        let middle = try await fixture.jobs.enqueue(NewJob(kind: "work")).id
        fixture.clock.advance(by: .seconds(60))
        let late = try await fixture.jobs.enqueue(NewJob(kind: "work")).id

        let minute = start.addingTimeInterval(60)
        #expect(try await fixture.jobs.list(JobFilter(since: minute)).map(\.id) == [late, middle])
        #expect(try await fixture.jobs.list(JobFilter(until: minute)).map(\.id) == [early])
        #expect(try await fixture.jobs.list(JobFilter(since: minute, until: minute.addingTimeInterval(60))).map(\.id) == [middle])
        #expect(try await fixture.jobs.count(matching: JobFilter(since: minute)) == 2)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func aBulkRetryRequeuesWhatTheCountCounted(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        var ours: [Int64] = []
        for n in 0..<3 { ours.append(try await deadJob(fixture, mg: Seed.mg, error: "HTTP 503 #\(n)")) }
        let otherError = try await deadJob(fixture, mg: Seed.mg, error: "HTTP 400")
        let otherMG = try await deadJob(fixture, mg: Seed.otherMG, error: "HTTP 503")
        let filter = JobFilter(state: .dead, mgOCID: Seed.mg, errorContains: "503", beforeID: ours[1], limit: 1)

        let counted = try await fixture.jobs.count(matching: filter)
        let retried = try await fixture.jobs.retry(matching: filter)

        #expect(counted == 3)
        #expect(retried == counted, "beforeID and limit narrow listings only")
        #expect(try await states(fixture, ours + [otherError, otherMG]) == [.queued, .queued, .queued, .dead, .dead])
        #expect(try await fixture.jobs.count(matching: filter) == 0)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func aBulkCancelTakesQueuedJobsOnly(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let dead = try await deadJob(fixture, kind: "work", mg: Seed.mg)
        let running = try await fixture.jobs.enqueue(NewJob(kind: "work", mgOCID: Seed.mg)).id
        #expect(try await fixture.jobs.claim(kinds: ["work"], limit: 1, worker: "w", lease: lease).first?.id == running)
        let queued = try await fixture.jobs.enqueue([
            NewJob(kind: "work", mgOCID: Seed.mg), NewJob(kind: "work", runAt: fixture.now.addingTimeInterval(3600), mgOCID: Seed.mg),
        ]).map(\.id)
        let otherMG = try await fixture.jobs.enqueue(NewJob(kind: "work", mgOCID: Seed.otherMG)).id
        let filter = JobFilter(mgOCID: Seed.mg)
        #expect(try await fixture.jobs.count(matching: filter) == 4)
        #expect(try await fixture.jobs.count(matching: JobFilter(state: .queued, mgOCID: Seed.mg)) == 2)

        #expect(try await fixture.jobs.cancel(matching: JobFilter(state: .dead, mgOCID: Seed.mg)) == 0,
                "a state other than queued cancels nothing")
        let cancelled = try await fixture.jobs.cancel(matching: filter)

        #expect(cancelled == 2)
        for id in queued {
            let job = try #require(try await fixture.jobs.show(id: id)?.job)
            #expect(job.state == .cancelled)
            #expect(job.finishedAt == fixture.now)
        }
        #expect(try await states(fixture, [running, dead, otherMG]) == [.running, .dead, .queued])
        #expect(try await fixture.jobs.cancel(matching: filter) == 0)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func jobsTheStoresEnqueueNameTheirMG(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let proof = try await fixture.provenSession(mg: Seed.otherMG)
        let keys = [
            "session.open:\(proof.sessionID)", "payment.poll:ch_\(proof.sessionID)", "proof.issue:\(proof.sessionID)",
            "callback.deliver:\(proof.txid)",
        ]
        let jobs = try await fixture.jobs.jobs(uniqueKeys: keys)
        #expect(jobs.count == 4)
        // The seeded jobs name no MG (as callers that know only a session id or a txid): the stores fill it in.
        #expect(jobs.allSatisfy { $0.mgOCID == Seed.otherMG })
        #expect(try await fixture.jobs.list(JobFilter(kind: "callback.deliver", mgOCID: Seed.otherMG)).count == 1)
    }
}
