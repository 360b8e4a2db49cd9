import Foundation

/// Counts calls across tasks. Safe as `@unchecked Sendable`: `count` is only touched under `lock`.
public final class CallCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    public init() {}

    public var value: Int { lock.withLock { count } }

    /// Counts a call; returns how many came before it.
    public func next() -> Int {
        lock.withLock {
            defer { count += 1 }
            return count
        }
    }
}
