import Foundation
import GatewayStore
import GatewayStorePostgres
import GatewayTestSupport
import Logging
import Testing

/// LISTEN/NOTIFY wake-ups between processes on one PostgreSQL database. Each test opens two backends on one
/// database (two pools and two listeners, as two hosts would have): A enqueues, B's workers must hear of it.
@Suite("PostgreSQL wake-ups", .serialized)
struct PostgresWakeupTests {
    private static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test func anEnqueueOnOneHostWakesAWorkerOnAnother() async throws {
        let (a, b, discard) = try Self.twoHosts()
        defer { discard() }
        try await Self.listening(b)
        let ran = CallCounter()
        // B's worker polls every 10 minutes (after its first idle polls, 10 ms doubling), so the job runs in time
        // only when B hears of it; the wait below, on B's notifier, ends in time only by B's listener.
        let worker = Self.worker(on: b, pollInterval: .seconds(600), ran: ran)
        try await withServices([worker]) {
            let wake = WakeSignal()
            b.stores.jobs.notifier.subscribe(wake)
            let generation = wake.generation
            _ = try await a.stores.jobs.enqueue(NewJob(kind: Self.kind))
            let start = ContinuousClock.now
            await wake.wait(since: generation, timeout: .seconds(600))
            #expect(ContinuousClock.now - start < .seconds(60))
            #expect(b.listener.observed.notifications >= 1)
            #expect(try await eventually { ran.value == 1 })
        }
    }

    @Test func aBurstOfEnqueuesSendsAFewNotificationsAndNeverDropsTheLast() async throws {
        let (a, b, discard) = try Self.twoHosts()
        defer { discard() }
        try await Self.listening(b)
        let heard = b.listener.observed.notifications
        let start = ContinuousClock.now
        _ = try await race(1_000) { _ in try await a.stores.jobs.enqueue(NewJob(kind: Self.kind)) }
        let elapsed = ContinuousClock.now - start
        // Every enqueue asked; the last NOTIFY started after the last request (none is left without one).
        #expect(try await eventually {
            let counts = a.announcer.counts
            return counts.requested == 1_000 && counts.covered == 1_000
        })
        let sent = a.announcer.counts.runs
        // One at once, then at most one per 100 ms window the burst lasted: how many windows that is depends on the
        // machine's speed (a loaded one took 15 s), so the bound is measured, never a fixed count. The exact window
        // is DebouncerTests' business, on the test clock.
        let windows = UInt64(elapsed / .milliseconds(100)) + 2
        #expect(sent >= 1 && sent <= windows)
        #expect(sent < 1_000, "concurrent enqueues share notifications")
        #expect(try await eventually { b.listener.observed.notifications - heard == Int(sent) })
    }

    @Test func theListenerReconnectsAfterItsConnectionIsTerminated() async throws {
        let (a, b, discard) = try Self.twoHosts()
        defer { discard() }
        try await Self.listening(b)
        let wake = WakeSignal()
        b.stores.jobs.notifier.subscribe(wake)
        let beforeDrop = wake.generation

        #expect(try await PostgresAdmin.terminateListeners(on: b.configuration, logger: Self.quiet) >= 1)

        #expect(try await eventually { b.listener.observed.listens >= 2 })
        // Back, it woke the workers at once: whatever was notified while it was away is looked for now.
        #expect(wake.generation > beforeDrop)
        let ran = CallCounter()
        let worker = Self.worker(on: b, pollInterval: .seconds(600), ran: ran)
        try await withServices([worker]) {
            let generation = wake.generation
            _ = try await a.stores.jobs.enqueue(NewJob(kind: Self.kind))
            let start = ContinuousClock.now
            await wake.wait(since: generation, timeout: .seconds(600))
            #expect(ContinuousClock.now - start < .seconds(60))
            #expect(try await eventually { ran.value == 1 })
        }
    }

    @Test func aJobWhoseNotificationWasLostIsFoundByPolling() async throws {
        let (a, b, discard) = try Self.twoHosts()
        defer { discard() }
        try await Self.listening(b)
        a.announcer.isMuted = true
        let heard = b.listener.observed.notifications
        let ran = CallCounter()
        let worker = Self.worker(on: b, pollInterval: .seconds(1), ran: ran)
        try await withServices([worker]) {
            _ = try await a.stores.jobs.enqueue(NewJob(kind: Self.kind))
            #expect(try await eventually { ran.value == 1 })
        }
        #expect(a.announcer.counts.runs == 0)
        #expect(b.listener.observed.notifications == heard)
    }

    // MARK: - Helpers

    private static let kind = "wake.test"

    private static func twoHosts() throws -> (PostgresBackend, PostgresBackend, @Sendable () -> Void) {
        let shared = try PostgresTestDatabase.openShared(count: 2, time: SystemTime())
        return (shared.backends[0], shared.backends[1], shared.discard)
    }

    /// Returns once `backend`'s listener LISTENs (a notification sent before would reach nobody).
    private static func listening(_ backend: PostgresBackend) async throws {
        #expect(try await eventually { backend.listener.observed.listens >= 1 })
    }

    private static func worker(on backend: PostgresBackend, pollInterval: Duration, ran: CallCounter) -> JobWorker {
        var registry = JobRegistry()
        registry.register(kind) { _ in
            _ = ran.next()
            return .succeeded()
        }
        return JobWorker(
            queue: backend.stores.jobs, registry: registry,
            configuration: JobWorkerConfiguration(pollInterval: pollInterval), logger: quiet)
    }
}

/// The debounce of NOTIFYs, on a clock the test moves.
@Suite("Debouncer")
struct DebouncerTests {
    @Test func aQuietRequestRunsAtOnceAndABurstCoalescesIntoOneRunAtTheWindowsEnd() async throws {
        let time = ManualTime()
        let ran = CallCounter()
        let debouncer = Debouncer(window: .milliseconds(100), time: time) { _ = ran.next() }

        debouncer.request()
        #expect(try await eventually { ran.value == 1 })
        for _ in 0..<999 { debouncer.request() }
        // One timer for the whole burst, armed for the window's end; nothing more runs before it.
        #expect(try await eventually { time.sleeping == 1 })
        #expect(debouncer.counts == Debouncer.Counts(requested: 1_000, runs: 1, covered: 1))
        time.advance(by: .milliseconds(99))
        #expect(debouncer.counts.runs == 1)

        time.advance(by: .milliseconds(1))
        #expect(try await eventually { ran.value == 2 })
        #expect(debouncer.counts == Debouncer.Counts(requested: 1_000, runs: 2, covered: 1_000))

        // A request inside the window the trailing run opened waits for its end, too.
        debouncer.request()
        #expect(try await eventually { time.sleeping == 1 })
        time.advance(by: .milliseconds(100))
        #expect(try await eventually { ran.value == 3 })

        // After a quiet period, at once again.
        time.advance(by: .seconds(1))
        debouncer.request()
        #expect(try await eventually { ran.value == 4 })
        #expect(debouncer.counts == Debouncer.Counts(requested: 1_002, runs: 4, covered: 1_002))
    }

    /// What a one-shot command awaits before it exits: the run a burst scheduled for the window's end included.
    @Test func flushReturnsOnceTheRunScheduledForTheWindowsEndHasFinished() async throws {
        let time = ManualTime()
        let ran = CallCounter()
        let debouncer = Debouncer(window: .milliseconds(100), time: time) { _ = ran.next() }
        await debouncer.flush()

        debouncer.request()
        debouncer.request()
        #expect(try await eventually { time.sleeping == 1 })
        let flushed = CallCounter()
        let flushing = Task {
            await debouncer.flush()
            _ = flushed.next()
        }
        time.advance(by: .milliseconds(99))
        #expect(try await eventually { ran.value == 1 })
        #expect(flushed.value == 0, "the trailing run has not started")

        time.advance(by: .milliseconds(1))
        await flushing.value
        #expect(ran.value == 2, "flush returned only after the trailing run")
        #expect(debouncer.counts == Debouncer.Counts(requested: 2, runs: 2, covered: 2))
        await debouncer.flush()
    }
}
