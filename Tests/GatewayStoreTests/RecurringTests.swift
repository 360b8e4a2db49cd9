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

    @Test func periodStartIsAlignedToThePeriod() {
        let job = RecurringJob(name: "n", kind: "k", every: .seconds(3600))
        let start = job.periodStart(containing: Date(timeIntervalSince1970: 7_300.5))
        #expect(start == Date(timeIntervalSince1970: 7_200))
    }
}
