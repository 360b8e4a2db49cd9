import Foundation
import GatewayStore

/// Runs an action at most once per `window`: a request after a quiet period runs it at once; requests within the
/// window of the last run coalesce into one run at the window's end, so the last request is never left without a
/// run that started after it.
///
/// `@unchecked Sendable`: the mutable state is only touched under `lock`.
package final class Debouncer: @unchecked Sendable {
    /// What `request` found: counted so tests can check coalescing without timing anything.
    package struct Counts: Sendable, Equatable {
        /// Calls of `request`.
        package var requested: UInt64 = 0
        /// Runs of the action started.
        package var runs: UInt64 = 0
        /// Requests made before the latest run started: equal to `requested` once every request is served.
        package var covered: UInt64 = 0

        package init(requested: UInt64 = 0, runs: UInt64 = 0, covered: UInt64 = 0) {
            self.requested = requested
            self.runs = runs
            self.covered = covered
        }
    }

    private let window: Duration
    private let time: any TimeSource
    private let action: @Sendable () async -> Void
    private let lock = NSLock()
    private var tally = Counts()
    private var lastRun: Date?
    /// A run is scheduled for the end of the current window.
    private var trailing = false
    /// Runs started (or scheduled) and not yet finished, by a number of their own, for `flush`.
    private var unfinished: [UInt64: Task<Void, Never>] = [:]
    private var tracked: UInt64 = 0

    /// - Parameters:
    ///   - window: the least time between the starts of two runs.
    ///   - time: the clock the window is measured on.
    package init(window: Duration, time: any TimeSource, action: @escaping @Sendable () async -> Void) {
        self.window = window
        self.time = time
        self.action = action
    }

    package var counts: Counts { lock.withLock { tally } }

    /// Asks for a run: now, or at the end of the window the last run opened. The run's task is made and registered
    /// under the lock that decided it, so a `flush` that follows any request finds it.
    package func request() {
        lock.withLock {
            tally.requested += 1
            if trailing { return }
            let now = time.now()
            guard let lastRun, now < lastRun.adding(window) else {
                start(at: now)
                track { await self.action() }
                return
            }
            trailing = true
            // At most `window`, whatever the wall clock does meanwhile: a process exiting waits for this run.
            let wait = min(window, .seconds(lastRun.adding(window).timeIntervalSince(now)))
            track {
                // Nothing cancels this task: it ends after `wait`.
                try? await self.time.sleep(for: wait)
                self.lock.withLock {
                    self.trailing = false
                    self.start(at: self.time.now())
                }
                await self.action()
            }
        }
    }

    /// Returns once every run asked for so far has finished, the one scheduled for the window's end included (so
    /// at most `window` plus the action's own time): a process about to exit awaits it, or its last request would
    /// go with it.
    package func flush() async {
        for run in lock.withLock({ Array(unfinished.values) }) { await run.value }
    }

    /// Starts `run` in a task `flush` can await, which forgets itself when it ends; called under `lock` (the task
    /// takes it only once it runs, after this returns).
    private func track(_ run: @escaping @Sendable () async -> Void) {
        tracked += 1
        let id = tracked
        unfinished[id] = Task {
            await run()
            _ = self.lock.withLock { self.unfinished.removeValue(forKey: id) }
        }
    }

    /// Records a run starting at `instant`; called under `lock`.
    private func start(at instant: Date) {
        lastRun = instant
        tally.runs += 1
        tally.covered = tally.requested
    }
}
