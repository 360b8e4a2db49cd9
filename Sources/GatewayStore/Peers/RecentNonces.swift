import Foundation

/// The in-memory front of the nonce store: the nonces this process recorded lately, with when, so a replay within
/// the retention is refused without a database round trip, and a nonce past it is left to the database to take over.
///
/// Bounded by two generations: when the current map reaches `capacity` it becomes the previous one and the oldest
/// generation is dropped. A nonce that fell out is still caught by the database's unique key.
/// Safe as `@unchecked Sendable`: both maps are read and written only under `lock`.
package final class RecentNonces: @unchecked Sendable {
    private struct Key: Hashable {
        let ocid: UInt64
        let nonce: String
    }

    private let lock = NSLock()
    private let capacity: Int
    private let retention: Int64
    /// When each nonce was claimed, in milliseconds since 1970.
    private var current: [Key: Int64] = [:]
    private var previous: [Key: Int64] = [:]

    package init(capacity: Int, retention: Duration) {
        self.capacity = max(1, capacity)
        self.retention = retention.millis
    }

    /// Whether this process claimed the nonce within the retention before `now`.
    package func contains(_ nonce: String, ocid: UInt64, at now: Date) -> Bool {
        let key = Key(ocid: ocid, nonce: nonce)
        return lock.withLock { isLive(key, now: now.millis) }
    }

    /// Claims a nonce for this process at `now`. - Returns: false when it was claimed within the retention.
    package func claim(_ nonce: String, ocid: UInt64, at now: Date) -> Bool {
        let key = Key(ocid: ocid, nonce: nonce)
        let nowMillis = now.millis
        return lock.withLock {
            if isLive(key, now: nowMillis) { return false }
            previous[key] = nil
            current[key] = nowMillis
            if current.count >= capacity {
                previous = current
                current = [:]
            }
            return true
        }
    }

    /// Gives a claim back (the transaction that was to record it rolled back).
    package func release(_ nonce: String, ocid: UInt64) {
        let key = Key(ocid: ocid, nonce: nonce)
        lock.withLock {
            current[key] = nil
            previous[key] = nil
        }
    }

    /// As the database decides: a record older than `retention` may be taken over.
    private func isLive(_ key: Key, now: Int64) -> Bool {
        guard let seen = current[key] ?? previous[key] else { return false }
        return seen >= now - retention
    }
}
