import Foundation

// The store keeps instants as integer milliseconds since 1970: exact, compact and index friendly.
extension Date {
    package init(millis: Int64) {
        self.init(timeIntervalSince1970: Double(millis) / 1000)
    }

    package var millis: Int64 {
        Int64((timeIntervalSince1970 * 1000).rounded())
    }

    package func adding(_ duration: Duration) -> Date {
        addingTimeInterval(duration.seconds)
    }
}

extension Duration {
    package var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    package var millis: Int64 {
        Int64((seconds * 1000).rounded())
    }
}
