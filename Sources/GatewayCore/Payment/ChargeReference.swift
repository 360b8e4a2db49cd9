import Foundation
import Opencharge

/// A charge's reference: a backend's prefix, then 12 hex digits of the creation time in milliseconds and 12 random
/// hex digits. References in creation order keep the charge table's inserts at the end of its index, where one
/// page takes a whole batch of payments, instead of one page written per payment at a random place.
enum ChargeReference {
    static func make(prefix: String, at time: Date) -> String {
        prefix + String(format: "%012llx", UInt64(max(0, time.timeIntervalSince1970 * 1000)) & 0xFFFF_FFFF_FFFF) + Hex.random(byteCount: 6)
    }
}
