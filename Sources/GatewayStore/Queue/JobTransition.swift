import Foundation

/// What went wrong in an attempt, as the attempt log keeps it.
public struct AttemptFailure: Sendable, Equatable {
    public var error: String
    public var httpStatus: Int?
    /// The first 4 KiB of the peer's reply; longer text is cut at a character boundary.
    public var responseExcerpt: String?

    public init(error: String, httpStatus: Int? = nil, responseExcerpt: String? = nil) {
        self.error = error
        self.httpStatus = httpStatus
        self.responseExcerpt = responseExcerpt.map(Self.excerpt)
    }

    static let excerptLimit = 4096

    static func excerpt(_ text: String) -> String {
        guard text.utf8.count > excerptLimit else { return text }
        var end = text.startIndex
        var bytes = 0
        for index in text.indices {
            bytes += text[index].utf8.count
            if bytes > excerptLimit { break }
            end = text.index(after: index)
        }
        return String(text[..<end])
    }
}

/// The state change that ends one attempt of a claimed job.
public enum JobTransition: Sendable, Equatable {
    case succeeded(note: String?)
    /// Run again at `at`.
    case retry(at: Date, AttemptFailure)
    case dead(AttemptFailure)
    /// Back to `queued` now, the attempt not charged (a worker shutting down).
    case released
}

/// One claimed job and how its attempt ended; `SQLiteJobQueue.finish` applies a batch in one transaction.
public struct JobFinish: Sendable, Equatable {
    public var job: ClaimedJob
    public var transition: JobTransition

    public init(_ job: ClaimedJob, _ transition: JobTransition) {
        self.job = job
        self.transition = transition
    }
}
