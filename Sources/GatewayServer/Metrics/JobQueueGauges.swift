import GatewayStore

/// The queue's depth per kind × state (`ocgate_jobs`) and, per kind, how long the oldest job runnable now has
/// waited (`ocgate_job_oldest_queued_age_seconds`), from the same query as `ocgate jobs stats`.
public struct JobQueueGauges: MetricSource {
    let queue: any JobQueue

    public init(queue: any JobQueue) {
        self.queue = queue
    }

    public func readings() async throws -> [GaugeReading] {
        let stats = try await queue.stats(registeredKinds: [])
        let kinds = Set(stats.counts.keys.map(\.kind)).sorted()
        // Every state of a kind present, so a dashboard sees explicit zeros rather than missing series.
        let depths = kinds.flatMap { kind in
            JobState.allCases.map { state in
                GaugeReading(
                    name: "ocgate_jobs", help: "Jobs per kind and state.",
                    labels: [.init("kind", kind), .init("state", state.rawValue)],
                    value: Double(stats.counts[JobStats.KindState(kind: kind, state: state)] ?? 0))
            }
        }
        let ages = stats.oldestRunnableAgeByKind.sorted { $0.key < $1.key }.map { kind, age in
            let parts = age.components
            return GaugeReading(
                name: "ocgate_job_oldest_queued_age_seconds",
                help: "How long the oldest job runnable now has waited past its run_at, per kind.",
                labels: [.init("kind", kind)], value: Double(parts.seconds) + Double(parts.attoseconds) / 1e18)
        }
        return depths + ages
    }
}
