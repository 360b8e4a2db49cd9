import GatewayStore
import GatewayStoreSQLite

extension GatewayAssembly {
    /// `ocgate bench queue` on the embedded backend: the queue's pipeline and single durable enqueues, with raw
    /// single-row SQLite commits for comparison, on scratch files in `directory`.
    public static func benchmarkQueue(
        directory: String, durability: Durability, jobs: Int, batch: Int, singles: Int
    ) async throws -> QueueBenchmarkResult {
        try await QueueBenchmark.run(directory: directory, durability: durability, jobs: jobs, batch: batch, singles: singles)
    }
}
