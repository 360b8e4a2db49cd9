import Foundation
import GRDB

/// A job attempt's success, recorded in the transaction of the handler's own last write, so the handler's rows
/// and the job's end share one commit instead of two: on the single SQLite writer every commit a proof needs
/// is one more the others wait behind. The handler then returns `outcome(held:)` and the worker records nothing.
public struct JobSuccess: Sendable {
    public let job: ClaimedJob
    public let note: String?

    public init(job: ClaimedJob, note: String?) {
        self.job = job
        self.note = note
    }

    /// Ends the attempt as succeeded, in the caller's transaction. - Returns: false when the worker lost the
    /// lease (the job row is then left as the new holder has it, and no attempt is logged).
    public func record(at now: Date, in db: Database) throws -> Bool {
        try SQLiteJobQueue.apply(JobFinish(job, .succeeded(note: note)), now: now, in: db)
    }

    /// What the handler returns once `record` ran; `next` is a job its transaction claimed for this worker.
    public func outcome(held: Bool, next: ClaimedJob? = nil) -> JobOutcome {
        .recorded(note: note, held: held, next: next)
    }
}
