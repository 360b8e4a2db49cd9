import Foundation
import GatewayStore
import Testing

/// `ActivityStore`: per-minute counts in the minutes they happened, zeros between, and delivery statistics per MG.
@Suite("ActivityStore", .serialized)
struct ActivityStoreTests {
    private let lease: Duration = .seconds(30)

    /// Claims the queued delivery job, lets `seconds` pass on the clock, and ends the attempt with `transition`.
    private func deliver(
        _ fixture: StoreFixture, taking seconds: Int, _ transition: (Date) -> JobTransition
    ) async throws {
        let job = try #require(
            try await fixture.jobs.claim(kinds: ["callback.deliver"], limit: 1, worker: "w", lease: lease).first)
        fixture.clock.advance(by: .seconds(seconds))
        #expect(try await fixture.jobs.finish(job, transition(fixture.now)))
    }

    /// TestClock starts on a whole minute: minute `n` of the test starts `n` minutes after it.
    private func minute(_ n: Int) -> Date { Date(millis: TestClock.start + Int64(n) * 60_000) }

    @Test(arguments: ConformanceBackend.allCases)
    func perMinuteCountsEachSeriesInItsMinuteWithZerosBetween(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        fixture.clock.advance(by: .seconds(10))
        try await fixture.createSession()                                  // minute 0: one checkout
        fixture.clock.advance(by: .seconds(120))
        let paid = try await fixture.createSession()                       // minute 2: a checkout, a payment, a proof
        try await fixture.pay(paid.id)
        _ = try await fixture.issue(paid.id)
        fixture.clock.advance(by: .seconds(60))                            // minute 3: deliveries start
        try await deliver(fixture, taking: 1) { .retry(at: $0, AttemptFailure(error: "HTTP 503")) }
        try await deliver(fixture, taking: 1) { _ in .released }           // not an attempt
        try await deliver(fixture, taking: 1) { _ in .succeeded(note: nil) }
        _ = try await fixture.jobs.enqueue(NewJob(kind: "other"))
        let other = try #require(try await fixture.jobs.claim(kinds: ["other"], limit: 1, worker: "w", lease: lease).first)
        #expect(try await fixture.jobs.finish(other, .succeeded(note: nil)), "not a delivery")

        let readings = try await fixture.activity.perMinute(from: minute(0), to: minute(5))

        func reading(_ n: Int, _ c: Int, _ p: Int, _ r: Int, _ d: Int, _ f: Int) -> ActivityMinute {
            ActivityMinute(minute: minute(n), checkouts: c, payments: p, proofs: r, deliveries: d, deliveryFailures: f)
        }
        #expect(readings == [
            reading(0, 1, 0, 0, 0, 0), reading(1, 0, 0, 0, 0, 0), reading(2, 1, 1, 1, 0, 0), reading(3, 0, 0, 0, 1, 1),
            reading(4, 0, 0, 0, 0, 0),
        ])
        // Whole minutes only: a window from inside minute 0 starts at minute 1, and one ending inside minute 4
        // ends after minute 3.
        let inner = try await fixture.activity.perMinute(
            from: minute(0).addingTimeInterval(30), to: minute(4).addingTimeInterval(30))
        #expect(inner.map(\.minute) == [minute(1), minute(2), minute(3)])
        #expect(inner.last == reading(3, 0, 0, 0, 1, 1))
        #expect(try await fixture.activity.perMinute(from: minute(2), to: minute(2)).isEmpty)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func deliveryStatsCountAttemptsAndDurationsPerMG(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        _ = try await fixture.provenSession(mg: Seed.otherMG)
        try await deliver(fixture, taking: 2) { _ in .succeeded(note: nil) }          // before the window
        let since = fixture.now
        _ = try await fixture.provenSession(mg: Seed.mg)
        try await deliver(fixture, taking: 2) { .retry(at: $0, AttemptFailure(error: "HTTP 503")) }
        try await deliver(fixture, taking: 9) { _ in .released }                         // not an attempt
        try await deliver(fixture, taking: 3) { _ in .succeeded(note: nil) }
        _ = try await fixture.provenSession(mg: Seed.otherMG)
        try await deliver(fixture, taking: 4) { _ in .dead(AttemptFailure(error: "HTTP 410")) }
        // A delivery job from before MGs were recorded counts for no MG.
        _ = try await fixture.jobs.enqueue(NewJob(kind: "callback.deliver", uniqueKey: "callback.deliver:old"))
        try await deliver(fixture, taking: 5) { _ in .succeeded(note: nil) }

        let stats = try await fixture.activity.deliveryStats(since: since)

        #expect(stats == [
            MGDeliveryStats(mgOCID: Seed.mg, attempts: 2, succeeded: 1, meanMilliseconds: 2500, maxMilliseconds: 3000),
            MGDeliveryStats(mgOCID: Seed.otherMG, attempts: 1, succeeded: 0, meanMilliseconds: 4000, maxMilliseconds: 4000),
        ])
        #expect(stats[0].successRate == 0.5)
        #expect(try await fixture.activity.deliveryStats(since: fixture.now.addingTimeInterval(1)).isEmpty)
    }
}
