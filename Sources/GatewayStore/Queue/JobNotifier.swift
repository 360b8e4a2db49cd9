import Foundation

/// Fans an in-process "jobs were enqueued" event out to every running worker's wake signal, and hands it to the
/// backend's `announce` so workers in other processes hear of it too (PostgreSQL's NOTIFY). Whatever another process
/// enqueued reaches `wakeWorkers` through the backend's listener, or is found by polling.
///
/// Safe as `@unchecked Sendable`: `subscribers` is only touched under `lock`.
public final class JobNotifier: @unchecked Sendable {
    private let lock = NSLock()
    private var subscribers: [ObjectIdentifier: WakeSignal] = [:]

    private let announce: (@Sendable () -> Void)?
    private let announced: (@Sendable () async -> Void)?

    /// - Parameters:
    ///   - announce: tells other processes that jobs were enqueued; nil where only this process's workers need to
    ///     know, or the others share nothing that could tell them (SQLite).
    ///   - announced: returns once every announcement made so far has gone out.
    package init(announce: (@Sendable () -> Void)? = nil, announced: (@Sendable () async -> Void)? = nil) {
        self.announce = announce
        self.announced = announced
    }

    /// Starts waking `signal` on every enqueue commit.
    public func subscribe(_ signal: WakeSignal) {
        lock.withLock { subscribers[ObjectIdentifier(signal)] = signal }
    }

    /// Stops waking `signal`.
    public func unsubscribe(_ signal: WakeSignal) {
        lock.withLock { _ = subscribers.removeValue(forKey: ObjectIdentifier(signal)) }
    }

    /// Called after a commit that enqueued jobs.
    package func jobsEnqueued() {
        wakeWorkers()
        announce?()
    }

    /// Returns once other processes have been told of every enqueue so far (PostgreSQL's NOTIFY, sent after the
    /// commit and debounced). A one-shot command awaits it before it exits, or its last announcement could go with
    /// the process and other hosts' workers would find the jobs only by their poll.
    public func announcementsSent() async {
        await announced?()
    }

    /// Wakes this process's workers without announcing anything: another process enqueued the work, or a listener
    /// came back and what it missed must be looked for now.
    package func wakeWorkers() {
        let signals = lock.withLock { Array(subscribers.values) }
        signals.forEach { $0.signal() }
    }
}
