import Foundation

extension Date {
    /// Whole seconds since 1970, rounded down: the unit of `keyRotatedAt` and grace ends.
    var unixSeconds: Int64 { Int64(timeIntervalSince1970.rounded(.down)) }
}
