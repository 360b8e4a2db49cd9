import Foundation
import GatewayStore
import GatewayTestSupport
@testable import GatewayStoreSQLite
import Testing

@Suite struct RecurringTests {
    @Test func twoSchedulersRunOnePeriodOnceAndDowntimeCatchesUpOnce() async throws {
        let time = ManualTime(Date(timeIntervalSince1970: 1_800_000_030))
        let scratch = try Scratch()
        let jobs = [RecurringJob(name: "expire", kind: "session.expire", every: .seconds(60))]
        let first = RecurringScheduler(jobs: jobs, queue: SQLiteJobQueue(database: try scratch.database(), time: time), time: time)
        let second = RecurringScheduler(jobs: jobs, queue: SQLiteJobQueue(database: try scratch.database(), time: time), time: time)

        let a = try await first.enqueueCurrentPeriods()
        let b = try await second.enqueueCurrentPeriods()
        #expect(a[0].inserted && !b[0].inserted && a[0].id == b[0].id)

        time.advance(by: .seconds(10 * 60))
        let afterDowntime = try await first.enqueueCurrentPeriods()
        #expect(afterDowntime[0].inserted)
        let queue = SQLiteJobQueue(database: try scratch.database(), time: time)
        let keys = try await queue.list(JobFilter(kind: "session.expire")).compactMap(\.uniqueKey)
        #expect(keys == ["recurring:expire:1800000600000", "recurring:expire:1800000000000"])
    }

    /// A polling schedule (the inbox) writes no row for a period that finds nothing, and one for the first period
    /// that finds work; the scheduler's waits run on the test clock.
    @Test func aPeriodWithoutWorkWritesNothingAndTheFirstWithWorkEnqueuesOnce() async throws {
        let time = ManualTime(Date(timeIntervalSince1970: 1_800_000_001))
        let queue = try Scratch().queue(time: time)
        let files = CallCounter()
        let scheduler = RecurringScheduler(
            jobs: [RecurringJob(name: "inbox", kind: "inbox.ingest", every: .seconds(2), hasWork: { files.value > 0 })],
            queue: queue, time: time)
        try await withServices([scheduler]) {
            for _ in 0..<5 {
                // The scheduler looked at this period and waits for the next one.
                let waiting = try await eventually { time.sleeping == 1 }
                #expect(waiting)
                time.advance(by: .seconds(2))
            }
            let waiting = try await eventually { time.sleeping == 1 }
            #expect(waiting)
            #expect(try await queue.list(JobFilter()).isEmpty)
            _ = files.next()
            time.advance(by: .seconds(2))
            let enqueued = try await eventually { try await queue.list(JobFilter(kind: "inbox.ingest")).count == 1 }
            #expect(enqueued)
        }
        #expect(try await queue.list(JobFilter()).compactMap(\.uniqueKey) == ["recurring:inbox:1800000012000"])
    }

    @Test func periodStartIsAlignedToThePeriod() {
        let job = RecurringJob(name: "n", kind: "k", every: .seconds(3600))
        let start = job.periodStart(containing: Date(timeIntervalSince1970: 7_300.5))
        #expect(start == Date(timeIntervalSince1970: 7_200))
    }
}
