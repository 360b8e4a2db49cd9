import Foundation

/// The attempts a worker is running, so shutdown can wait for them and release the rest. Keyed by run,
/// not job id: a job rescued from this very worker can be running here twice.
///
/// Safe as `@unchecked Sendable`: `runs` is only touched under `lock`.
final class InFlightJobs: @unchecked Sendable {
    private let lock = NSLock()
    private var runs: [ObjectIdentifier: JobRun] = [:]

    var count: Int {
        lock.withLock { runs.count }
    }

    func add(_ run: JobRun) {
        lock.withLock { runs[ObjectIdentifier(run)] = run }
    }

    func remove(_ run: JobRun) {
        lock.withLock { _ = runs.removeValue(forKey: ObjectIdentifier(run)) }
    }

    var all: [JobRun] {
        lock.withLock { Array(runs.values) }
    }

    func releaseAll() {
        all.forEach { $0.release() }
    }
}
