import Foundation

/// The attempts a worker is running, so shutdown can wait for them and release the rest. Keyed by run,
/// not job id: a job rescued from this very worker can be running here twice.
///
/// Safe as `@unchecked Sendable`: `runs` and `closed` are only touched under `lock`.
final class InFlightJobs: @unchecked Sendable {
    private let lock = NSLock()
    private var runs: [ObjectIdentifier: JobRun] = [:]
    private var closed = false

    var count: Int {
        lock.withLock { runs.count }
    }

    /// Adds `run`; false once `releaseAll` ran, when nothing may start any more.
    @discardableResult
    func add(_ run: JobRun) -> Bool {
        lock.withLock {
            guard !closed else { return false }
            runs[ObjectIdentifier(run)] = run
            return true
        }
    }

    func remove(_ run: JobRun) {
        lock.withLock { _ = runs.removeValue(forKey: ObjectIdentifier(run)) }
    }

    var all: [JobRun] {
        lock.withLock { Array(runs.values) }
    }

    /// Releases every run and refuses new ones, in one step, so no run can slip in between.
    func releaseAll() {
        let all = lock.withLock {
            closed = true
            return Array(runs.values)
        }
        all.forEach { $0.release() }
    }
}
