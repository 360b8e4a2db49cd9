/// Runs jobs of one kind. Handlers must be idempotent: a job whose worker died runs again.
public protocol JobHandler: Sendable {
    /// Runs one attempt; never throws: every failure is an outcome.
    func run(_ job: ClaimedJob) async -> JobOutcome
}

/// How one attempt of a handler ended.
public enum JobOutcome: Sendable, Equatable {
    /// Done, with an optional note for the attempt log.
    case succeeded(note: String? = nil)
    /// Done, and there was nothing to do (a sweep that found nothing): recorded as a success, but its attempt line
    /// is logged at `debug`, so recurring work keeps an idle gateway's `info` log silent.
    case idle(note: String? = nil)
    /// Done, and already recorded: the handler ended the attempt in its own last transaction
    /// (`JobSuccess.record(at:in:)`), so its rows and the job's end shared one commit. `held` is what that
    /// returned: false when the worker had lost the lease. `next` is a job that transaction enqueued already
    /// claimed for this worker (`SQLiteJobQueue.enqueue(_:after:in:)`): the worker runs it next, in this slot.
    case recorded(note: String?, held: Bool, next: ClaimedJob? = nil)
    /// Try again: after `after` (a peer's Retry-After) if given, otherwise by the kind's retry schedule.
    case retry(AttemptFailure, after: Duration? = nil)
    /// Give up now: a definitive rejection that retrying cannot fix.
    case dead(AttemptFailure)

    /// A retry with the failure's details.
    public static func retry(
        error: String, after: Duration? = nil, httpStatus: Int? = nil, responseExcerpt: String? = nil
    ) -> JobOutcome {
        .retry(AttemptFailure(error: error, httpStatus: httpStatus, responseExcerpt: responseExcerpt), after: after)
    }

    /// A sweep's success: `.idle` when it found nothing (`count` is 0), `.succeeded` otherwise.
    public static func swept(_ count: Int, note: String) -> JobOutcome {
        count == 0 ? .idle(note: note) : .succeeded(note: note)
    }

    /// A permanent failure with its details.
    public static func dead(error: String, httpStatus: Int? = nil, responseExcerpt: String? = nil) -> JobOutcome {
        .dead(AttemptFailure(error: error, httpStatus: httpStatus, responseExcerpt: responseExcerpt))
    }
}

/// Adapts a throwing closure: a thrown error becomes a retry carrying the error's text.
public struct ClosureJobHandler: JobHandler {
    private let body: @Sendable (ClaimedJob) async throws -> JobOutcome

    public init(_ body: @escaping @Sendable (ClaimedJob) async throws -> JobOutcome) {
        self.body = body
    }

    public func run(_ job: ClaimedJob) async -> JobOutcome {
        do {
            return try await body(job)
        } catch {
            return .retry(error: String(describing: error))
        }
    }
}
