import Foundation

/// Who a job is claimed for when a store operation enqueues it already claimed: a worker, for the job its handler
/// hands over (a proof's delivery after its issue), or a request outside the worker pool that runs the job itself
/// (the hosted page's pay request finishing an instant charge, `HeldJobs`). The claim is durable and leased like
/// any other: if the holder dies first, the lease lapses and a worker rescues the job.
public struct JobHolder: Sendable, Equatable {
    /// The lease holder's name in the jobs table; unique per process and pool (see `JobWorkerConfiguration.name`).
    public var worker: String
    /// How long the claim holds the job without a heartbeat.
    public var lease: Duration
    /// The kinds the holder runs: only a job of one of them is claimed for it, any other is only enqueued.
    public var kinds: Set<String>

    public init(worker: String, lease: Duration, kinds: Set<String>) {
        self.worker = worker
        self.lease = lease
        self.kinds = kinds
    }
}

extension ClaimedJob {
    /// The holder of this claim: a job its handler enqueues may be claimed for the same holder.
    public var holder: JobHolder { JobHolder(worker: worker, lease: lease, kinds: workerKinds) }
}
