import Foundation

/// A job kind as a type (River's `JobArgs`): the value is the job's input, and the type owns the kind string, the
/// unique key and the payload's encoding and decoding, so no other layer spells them out.
public protocol JobArguments: Sendable, Equatable {
    /// The kind string the queue stores and workers register.
    static var kind: String { get }
    /// At most one job with this key ever exists (until pruned); nil for none.
    var uniqueKey: String? { get }
    /// The payload as stored.
    func encoded() -> Data
    /// The arguments of a stored payload; nil when it is not one (such a job can never succeed).
    init?(payload: Data)
}

extension JobArguments {
    /// The job to enqueue for these arguments.
    public func job(runAt: Date? = nil, priority: Int = 0, mgOCID: UInt64? = nil) -> NewJob {
        NewJob(kind: Self.kind, payload: encoded(), priority: priority, runAt: runAt, uniqueKey: uniqueKey, mgOCID: mgOCID)
    }
}
