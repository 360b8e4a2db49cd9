import Foundation
import GatewayStore

/// A clock that moves only when a test moves it. It keeps whole milliseconds, as the stores do, so an instant
/// read back from a store equals the one the clock gave.
///
/// `@unchecked Sendable`: `millis` is only touched under `lock`.
final class TestClock: TimeSource, @unchecked Sendable {
    /// 2026-01-01T00:00:00Z.
    static let start: Int64 = 1_767_225_600_000

    private let lock = NSLock()
    private var millis: Int64

    init(millis: Int64 = TestClock.start) {
        self.millis = millis
    }

    func now() -> Date {
        Date(timeIntervalSince1970: Double(lock.withLock { millis }) / 1000)
    }

    /// Unix seconds now, as sessions store their expiry.
    var seconds: Int64 { lock.withLock { millis } / 1000 }

    func advance(by duration: Duration) {
        let (seconds, attoseconds) = duration.components
        lock.withLock { millis += seconds * 1000 + attoseconds / 1_000_000_000_000_000 }
    }
}
