import Foundation
import GatewayStore
import Logging
import Prometheus

/// Reads every `MetricSource` into gauges of the `/metrics` registry when a scrape asks, at most once per
/// `minimumInterval` so a scrape storm cannot hammer the database; scrapes that arrive meanwhile share that read.
public actor ScrapeSampler {
    private let sources: [any MetricSource]
    private let registry: PrometheusCollectorRegistry
    private let minimumInterval: Duration
    private let time: any TimeSource
    private let logger: Logger
    private var lastRead: (started: Date, task: Task<Void, Never>)?
    /// The series each source set last time, by its index in `sources`, so one that vanished is set to 0.
    private var exposed: [Int: Set<GaugeReading.Series>] = [:]

    /// - Parameters:
    ///   - sources: read in order on each refresh; a failing source keeps its previous values and is logged.
    ///   - registry: the registry `/metrics` emits.
    ///   - minimumInterval: a refresh sooner than this after the previous one (on `time`) reuses its values.
    public init(
        sources: [any MetricSource], registry: PrometheusCollectorRegistry, minimumInterval: Duration = .seconds(1),
        time: any TimeSource = SystemTime(), logger: Logger
    ) {
        self.sources = sources
        self.registry = registry
        self.minimumInterval = minimumInterval
        self.time = time
        self.logger = logger
    }

    /// Brings the gauges up to date, unless they were read less than `minimumInterval` ago.
    public func refresh() async {
        let now = time.now()
        if let lastRead, now < lastRead.started.adding(minimumInterval) {
            await lastRead.task.value
            return
        }
        let task = Task { await read() }
        lastRead = (now, task)
        await task.value
    }

    private func read() async {
        for (index, source) in sources.enumerated() {
            let readings: [GaugeReading]
            do {
                readings = try await source.readings()
            } catch {
                logger.warning(
                    "metrics source failed; its gauges keep their last values",
                    metadata: ["source": "\(type(of: source))", "error": "\(error)"])
                continue
            }
            var current: [GaugeReading.Series: Double] = [:]
            for reading in readings { current[reading.series] = reading.value }
            for series in exposed[index, default: []] where current[series] == nil { current[series] = 0 }
            for (series, value) in current { gauge(series).set(value) }
            exposed[index] = Set(current.keys)
        }
    }

    private func gauge(_ series: GaugeReading.Series) -> Gauge {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(metricName: series.name, unitName: "", helpText: series.help),
            labels: series.labels.map { ($0.name, $0.value) })
    }
}
