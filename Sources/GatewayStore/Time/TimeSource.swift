import Foundation

/// Where every component of ocgate reads the current time, so tests can move time by hand.
public protocol TimeSource: Sendable {
    /// The current instant.
    func now() -> Date
}

/// The wall clock.
public struct SystemTime: TimeSource {
    public init() {}

    public func now() -> Date { Date() }
}
