import Foundation
import GatewayStore
import Testing

/// With the wall clock (`SystemTime`), the PostgreSQL backend takes leases and due checks from the database's clock
/// (the conformance suite, on a test clock, never reaches that path). On one machine both clocks agree, so the
/// queue must behave as on the test clock.
@Suite("PostgresDatabaseClock")
struct PostgresClockTests {
    @Test func leasesAndDueChecksRunOnTheDatabaseClock() async throws {
        let opened = try PostgresTestDatabase.open(time: SystemTime())
        defer { opened.discard() }
        let jobs = opened.stores.jobs
        let before = Date()

        let now = try await jobs.enqueue(NewJob(kind: "work"))
        _ = try await jobs.enqueue(NewJob(kind: "work", runAt: Date().addingTimeInterval(3600)))
        let claimed = try await jobs.claim(kinds: ["work"], limit: 10, worker: "w1", lease: .seconds(30))

        #expect(claimed.map(\.id) == [now.id], "the job due now is claimed, the one due in an hour is not")
        let job = try #require(claimed.first)
        #expect(abs(job.claimedAt.timeIntervalSince(before)) < 60, "claimedAt is the database's now")
        #expect(try await jobs.heartbeat(job, lease: .seconds(30)))
        let shown = try #require(try await jobs.show(id: job.id)?.job)
        let lockedUntil = try #require(shown.lockedUntil)
        #expect(abs(lockedUntil.timeIntervalSince(before.addingTimeInterval(30))) < 60)

        // A lease given as already lapsed (it ended a second before it began, so no wait for the clock to move) is
        // rescued by the next claim, on the database's clock too.
        let short = try #require(try await jobs.enqueue(NewJob(kind: "short")).id as Int64?)
        let lost = try #require(try await jobs.claim(kinds: ["short"], limit: 1, worker: "w1", lease: .seconds(-1)).first)
        #expect(lost.id == short)
        let rescued = try #require(try await jobs.claim(kinds: ["short"], limit: 1, worker: "w2", lease: .seconds(30)).first)
        #expect(rescued.id == short)
        #expect(rescued.attempt == 2)
        #expect(try await jobs.finish(lost, .succeeded(note: nil)) == false, "the lost holder changes nothing")
        #expect(try await jobs.finish(rescued, .succeeded(note: nil)))
        #expect(try await jobs.show(id: short)?.attempts.map(\.outcome) == [.leaseLost, .succeeded])
    }
}
