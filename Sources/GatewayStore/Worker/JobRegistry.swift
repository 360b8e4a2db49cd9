/// Which kinds this process runs: each kind's handler and retry policy. Unregistered kinds are never claimed.
public struct JobRegistry: Sendable {
    struct Entry: Sendable {
        var handler: any JobHandler
        var policy: RetryPolicy
    }

    private(set) var entries: [String: Entry] = [:]

    public init() {}

    /// Registers (or replaces) the handler for `kind`.
    public mutating func register(_ kind: String, policy: RetryPolicy = .standard, handler: any JobHandler) {
        entries[kind] = Entry(handler: handler, policy: policy)
    }

    /// Registers a throwing closure for `kind`; a thrown error is a retry with the error's text.
    public mutating func register(
        _ kind: String, policy: RetryPolicy = .standard,
        run: @escaping @Sendable (ClaimedJob) async throws -> JobOutcome
    ) {
        register(kind, policy: policy, handler: ClosureJobHandler(run))
    }

    /// The registered kinds (pass them to `stats` to find kinds nobody runs).
    public var kinds: Set<String> { Set(entries.keys) }

    /// The retry policy for `kind` (the standard one if unregistered).
    public func policy(for kind: String) -> RetryPolicy {
        entries[kind]?.policy ?? .standard
    }

    func handler(for kind: String) -> (any JobHandler)? {
        entries[kind]?.handler
    }
}
