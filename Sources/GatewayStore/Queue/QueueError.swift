/// Why an operator's request on a job was refused.
public enum QueueError: Error, Equatable, CustomStringConvertible {
    case jobNotFound(id: Int64)
    /// Cancel was asked for a job a worker is running right now.
    case jobRunning(id: Int64, kind: String, worker: String?)
    /// The job's state does not allow the request (for example retrying a job that succeeded).
    case wrongState(id: Int64, state: JobState, request: String)

    public var description: String {
        switch self {
        case let .jobNotFound(id):
            "job \(id) does not exist"
        case let .jobRunning(id, kind, worker):
            "job \(id) (\(kind)) is running on \(worker ?? "a worker") and cannot be cancelled"
        case let .wrongState(id, state, request):
            "job \(id) is \(state.rawValue); cannot \(request) it"
        }
    }
}
