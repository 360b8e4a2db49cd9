import Foundation

/// The whole minutes a `perMinute(from:to:)` reading covers: those that begin at or after `from` and end by `to`,
/// as minute numbers since 1970 (Unix time has no leap seconds, so every UTC minute is 60,000 ms). A window that
/// holds no whole minute is empty.
package struct MinuteWindow: Sendable, Equatable {
    /// The first minute's number.
    package let first: Int64
    /// The number after the last minute's.
    package let end: Int64

    package static let millisPerMinute: Int64 = 60_000

    package init(from: Date, to: Date) {
        let (from, to) = (from.millis, to.millis)
        let floor = { (millis: Int64) in millis >= 0 ? millis / Self.millisPerMinute : (millis + 1) / Self.millisPerMinute - 1 }
        first = floor(from - 1) + 1
        end = max(first, floor(to))
    }

    /// The first minute's first instant, in milliseconds: the counts' lower bound.
    package var startMillis: Int64 { first * Self.millisPerMinute }
    /// The instant after the last minute, in milliseconds: the counts' upper bound (exclusive).
    package var endMillis: Int64 { end * Self.millisPerMinute }

    /// Every minute of the window, oldest first, with the counts `counted` holds for it (by minute number) and
    /// zeros for the minutes it does not.
    package func readings(_ counted: [Int64: ActivityMinute]) -> [ActivityMinute] {
        (first..<end).map { counted[$0] ?? ActivityMinute(number: $0) }
    }
}

extension ActivityMinute {
    /// The minute with this number since 1970, nothing counted yet.
    package init(number: Int64) {
        self.init(
            minute: Date(millis: number * MinuteWindow.millisPerMinute), checkouts: 0, payments: 0, proofs: 0,
            deliveries: 0, deliveryFailures: 0)
    }
}
