/// Why an inbox file could not be taken in.
public enum InboxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file is not a usable envelope; it goes to `rejected/` with this reason.
    case unreadableEnvelope(String)
    /// The answer could not be written to the outbox; the input stays in `new/` for the next run.
    case outboxUnwritable(name: String, problem: String)
    /// A file could not be moved or removed within the spool.
    case spoolFileOperation(path: String, problem: String)

    public var description: String {
        switch self {
        case .unreadableEnvelope(let reason): reason
        case let .outboxUnwritable(name, problem): "answer for \(name) cannot be written to the outbox: \(problem)"
        case let .spoolFileOperation(path, problem): "\(path): \(problem)"
        }
    }
}
