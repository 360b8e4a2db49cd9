import Foundation
import GatewayStore

/// `bench serve --duration D --rate R`: the served process held at `rate` checkouts/s on an open schedule for
/// `duration`, its resident memory read every `sampleEvery`. The checkouts are signed a second's worth at a time
/// while the load runs and streamed to the load generator, so a 30-minute run never holds its millions of
/// requests at once.
struct ServeEndurance {
    let rate: Int
    let duration: Duration
    let sampleEvery: Duration
    let connections: Int

    /// Every checkout of the run.
    var scheduled: Int { Int((Double(rate) * duration.seconds).rounded()) }

    /// The load as the generator measured it (`requests` is every scheduled checkout: one never sent is an error),
    /// the serve process's CPU split over it and its RSS samples: right after start, every `sampleEvery` from the
    /// load's start, and once the load ended.
    func run(setup: ServeBenchSetup, served: ServedProcess) async throws -> (
        load: LoadSummary, cpu: [(group: String, percent: Double)], rss: RSSSeries
    ) {
        let pid = served.pid
        var rss = RSSSeries(every: sampleEvery.seconds, start: ProcessSample.residentKiB(pid: pid))
        let chunks = CheckoutChunks(
            callers: setup.callers, port: served.port, total: scheduled, size: max(1, rate))
        let cpuBefore = ProcessSample(pid: pid)
        let sampler = Task { [sampleEvery] in
            var samples: [Int?] = []
            let clock = ContinuousClock()
            let start = clock.now
            while true {
                do { try await clock.sleep(until: start + sampleEvery * (samples.count + 1)) } catch { return samples }
                samples.append(ProcessSample.residentKiB(pid: pid))
            }
        }
        defer { sampler.cancel() }
        var load = try await ServeLoadCommand.launchPaced(
            rate: rate, port: served.port, connections: connections,
            output: setup.directory.appendingPathComponent("endurance"), environment: setup.environment,
            next: { chunks.next() })
        sampler.cancel()
        rss.during = await sampler.value
        rss.end = ProcessSample.residentKiB(pid: pid)
        let cpu = ProcessSample.cpuSplit(from: cpuBefore, to: ProcessSample(pid: pid))
        if let failure = chunks.failure { load.failure = load.failure ?? failure }
        load.requests = scheduled
        return (load, cpu, rss)
    }
}

/// The run's checkouts, `size` at a time, signed when asked for: unique order ids and nonces within the requests'
/// ±300 s window, however long the run.
///
/// `@unchecked Sendable`: `left` and `failed` are only touched under `lock`.
private final class CheckoutChunks: @unchecked Sendable {
    private let callers: SignedCheckouts
    private let port: Int
    private let size: Int
    private let lock = NSLock()
    private var left: Int
    private var failed: String?

    init(callers: SignedCheckouts, port: Int, total: Int, size: Int) {
        self.callers = callers
        self.port = port
        self.size = size
        left = total
    }

    var failure: String? { lock.withLock { failed } }

    /// The next chunk, serialised, or nil when every checkout was handed out.
    func next() -> [[UInt8]]? {
        let count = lock.withLock { () -> Int in
            let count = min(size, left)
            left -= count
            return count
        }
        guard count > 0 else { return nil }
        do {
            return try callers.requests(count: count, gatewayURL: "http://127.0.0.1:\(port)", path: "/checkout/create")
                .map { try KeepAliveLoad.serialise($0, port: port) }
        } catch {
            lock.withLock { failed = "signing a chunk: \(error)" }
            return nil
        }
    }
}

/// The served process's resident memory (`VmRSS`, KiB) over an endurance run; nil where it could not be read.
struct RSSSeries {
    /// Seconds between the samples `during` the load.
    let every: Double
    /// Right after the process started, before any load.
    let start: Int?
    /// One sample per `every` from the load's start, while it ran.
    var during: [Int?] = []
    /// Once the load ended.
    var end: Int?

    init(every: Double, start: Int?) {
        self.every = every
        self.start = start
    }

    /// Start, every sample during the load, end.
    var all: [Int?] { [start] + during + [end] }

    /// After the first interval of load (a minute by default): the caches filled and the page cache warm.
    var warm: Int? { during.first ?? end }
    var max: Int? { all.compactMap { $0 }.max() }

    /// The least-squares slope, in KiB a minute, of the samples during the load's last two thirds: steady growth
    /// shows there, whatever the warm-up did.
    var slopePerMinute: Double? {
        let points = Array(during.enumerated().dropFirst(during.count / 3)).compactMap { index, kib in
            kib.map { (x: Double(index + 1) * every / 60, y: Double($0)) }
        }
        guard points.count >= 2 else { return nil }
        let meanX = points.map(\.x).reduce(0, +) / Double(points.count)
        let meanY = points.map(\.y).reduce(0, +) / Double(points.count)
        let spread = points.map { ($0.x - meanX) * ($0.x - meanX) }.reduce(0, +)
        guard spread > 0 else { return nil }
        return points.map { ($0.x - meanX) * ($0.y - meanY) }.reduce(0, +) / spread
    }
}
