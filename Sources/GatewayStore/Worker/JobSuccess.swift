import Foundation

/// A job attempt's success, handed to a store operation that records it atomically with the handler's own last
/// write, so the handler's rows and the job's end share one commit instead of two: on a single writer every commit
/// a proof needs is one more the others wait behind. The handler then returns `outcome(held:)` and the worker
/// records nothing.
public struct JobSuccess: Sendable {
    public let job: ClaimedJob
    public let note: String?

    public init(job: ClaimedJob, note: String?) {
        self.job = job
        self.note = note
    }

    /// The transition that records this success: what a store's `record` applies in the caller's transaction.
    public var finish: JobFinish { JobFinish(job, .succeeded(note: note)) }

    /// What the handler returns once `record` ran; `next` is a job its transaction claimed for this worker.
    public func outcome(held: Bool, next: ClaimedJob? = nil) -> JobOutcome {
        .recorded(note: note, held: held, next: next)
    }
}
