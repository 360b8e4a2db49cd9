/// What one run of `ocgate bench queue` measured.
public struct QueueBenchmarkResult: Sendable, Equatable {
    /// Jobs through enqueue → claim → complete, one transaction per batch and step.
    public var pipelineJobsPerSecond: Double
    /// Single-job enqueues, each its own durable commit.
    public var singleEnqueuesPerSecond: Double
    /// Single-row INSERT commits on a bare table, the floor the single enqueue is compared with.
    public var rawCommitsPerSecond: Double

    public init(pipelineJobsPerSecond: Double, singleEnqueuesPerSecond: Double, rawCommitsPerSecond: Double) {
        self.pipelineJobsPerSecond = pipelineJobsPerSecond
        self.singleEnqueuesPerSecond = singleEnqueuesPerSecond
        self.rawCommitsPerSecond = rawCommitsPerSecond
    }
}
