import Foundation
import GatewayStore

/// Runs `session.expire`, the recurring sweep (every `workers.session_expire_every`, 30 s by default): every pending session past its expiry becomes `expired` in one
/// statement. Sessions in `processing` are left alone (money may be moving; their poll decides them), and so
/// are finished ones.
public struct SessionExpiry: JobHandler {
    /// The job kind.
    public static let kind = "session.expire"

    public let sessions: any CheckoutSessionStore
    public let time: any TimeSource

    public init(sessions: any CheckoutSessionStore, time: any TimeSource) {
        self.sessions = sessions
        self.time = time
    }

    public func run(_ job: ClaimedJob) async -> JobOutcome {
        do {
            let expired = try await sessions.expirePending(now: time.now())
            return .swept(expired, note: "expired \(expired) sessions")
        } catch {
            return .retry(error: "storage: \(error)")
        }
    }
}
