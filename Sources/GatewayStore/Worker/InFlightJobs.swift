import Foundation

/// The attempts a worker is running, so shutdown can wait for them and release the rest.
///
/// Safe as `@unchecked Sendable`: `runs` is only touched under `lock`.
final class InFlightJobs: @unchecked Sendable {
    private let lock = NSLock()
    private var runs: [Int64: JobRun] = [:]

    var count: Int {
        lock.withLock { runs.count }
    }

    func add(_ run: JobRun) {
        lock.withLock { runs[run.job.id] = run }
    }

    func remove(_ run: JobRun) {
        lock.withLock { _ = runs.removeValue(forKey: run.job.id) }
    }

    func releaseAll() {
        let all = lock.withLock { Array(runs.values) }
        all.forEach { $0.release() }
    }
}
