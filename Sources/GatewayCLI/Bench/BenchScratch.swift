import Foundation
import Logging
import Metrics
import Prometheus

/// What every benchmark run starts from: a quiet logger, the metrics `ocgate serve` records (so the measured
/// paths pay for the same counters and histograms), and a temporary folder for its spool, removed after.
struct BenchScratch {
    let directory: URL
    let logger: Logger

    /// Once per process: a benchmark is one `ocgate bench` run.
    init() throws {
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: PrometheusCollectorRegistry()))
        var logger = Logger(label: "ocgate.bench")
        logger.logLevel = .error
        self.logger = logger
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ocgate-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}
