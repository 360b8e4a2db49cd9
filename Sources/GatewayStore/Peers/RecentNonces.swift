import Foundation

/// The in-memory front of the nonce store: the nonces this process recorded lately, so a replay is refused
/// without a database round trip.
///
/// Bounded by two generations: when the current set reaches `capacity` it becomes the previous one and the
/// oldest generation is dropped. A nonce that fell out is still caught by the database's unique key.
/// Safe as `@unchecked Sendable`: both sets are read and written only under `lock`.
package final class RecentNonces: @unchecked Sendable {
    private struct Key: Hashable {
        let ocid: UInt64
        let nonce: String
    }

    private let lock = NSLock()
    private let capacity: Int
    private var current: Set<Key> = []
    private var previous: Set<Key> = []

    package init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    package func contains(_ nonce: String, ocid: UInt64) -> Bool {
        let key = Key(ocid: ocid, nonce: nonce)
        return lock.withLock { current.contains(key) || previous.contains(key) }
    }

    /// Claims a nonce for this process. - Returns: false when it was already claimed.
    package func claim(_ nonce: String, ocid: UInt64) -> Bool {
        let key = Key(ocid: ocid, nonce: nonce)
        return lock.withLock {
            if previous.contains(key) { return false }
            guard current.insert(key).inserted else { return false }
            if current.count >= capacity {
                previous = current
                current = []
            }
            return true
        }
    }

    /// Gives a claim back (the transaction that was to record it rolled back).
    package func release(_ nonce: String, ocid: UInt64) {
        let key = Key(ocid: ocid, nonce: nonce)
        lock.withLock {
            current.remove(key)
            previous.remove(key)
        }
    }
}
