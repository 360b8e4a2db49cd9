import Foundation
import GatewayStore

/// Wrong tokens per client address in a sliding minute: past the limit the login answers 429 without looking at
/// the token, so guessing runs at a few tries a minute per address.
///
/// `@unchecked Sendable`: the dictionary is only touched under `lock`.
final class LoginThrottle: @unchecked Sendable {
    private let lock = NSLock()
    private var failures: [String: [Date]] = [:]
    private let limit: Int
    private let time: any TimeSource
    private static let window: TimeInterval = 60

    init(limit: Int, time: any TimeSource) {
        self.limit = limit
        self.time = time
    }

    /// Whether `client` may try a token now.
    func allows(_ client: String) -> Bool {
        let now = time.now()
        return lock.withLock { recent(client, now: now).count < limit }
    }

    /// Seconds until `client` may try again (for `Retry-After`).
    func retryAfter(_ client: String) -> Int {
        let now = time.now()
        return lock.withLock {
            guard let oldest = recent(client, now: now).first else { return 0 }
            return max(1, Int((oldest.timeIntervalSince(now) + Self.window).rounded(.up)))
        }
    }

    func recordFailure(_ client: String) {
        let now = time.now()
        lock.withLock {
            failures[client] = recent(client, now: now) + [now]
            // Addresses that stopped trying are forgotten, so the table stays as small as the current attack.
            if failures.count > 10_000 { failures = failures.filter { !$0.value.isEmpty } }
        }
    }

    /// The failures of the last minute; call under `lock`.
    private func recent(_ client: String, now: Date) -> [Date] {
        let kept = (failures[client] ?? []).filter { now.timeIntervalSince($0) < Self.window }
        failures[client] = kept.isEmpty ? nil : kept
        return kept
    }
}
