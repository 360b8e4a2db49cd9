import Foundation
import GatewayStore

/// A token bucket per caller OCID (`rate_limit.*`): `burst` requests at once, refilled at `perSecond`.
///
/// `@unchecked Sendable`: the buckets are only touched under `lock`.
public final class RateLimiter: @unchecked Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: Date
    }

    private let perSecond: Double
    private let burst: Double
    private let time: any TimeSource
    private let lock = NSLock()
    private var buckets: [UInt64: Bucket] = [:]

    public init(perSecond: Double, burst: Int, time: any TimeSource) {
        self.perSecond = perSecond
        self.burst = Double(burst)
        self.time = time
    }

    /// Takes a token for `ocid`; when none is left, the whole seconds until one is (for `Retry-After`).
    public func take(for ocid: UInt64) -> Int? {
        let now = time.now()
        return lock.withLock {
            var bucket = buckets[ocid] ?? Bucket(tokens: burst, updated: now)
            bucket.tokens = min(burst, bucket.tokens + max(0, now.timeIntervalSince(bucket.updated)) * perSecond)
            bucket.updated = now
            defer { buckets[ocid] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return max(1, Int(((1 - bucket.tokens) / perSecond).rounded(.up)))
        }
    }
}
