import Foundation
import GatewayStore
import Logging
import Opencharge

/// Runs `session.open`: what must happen before a session's page can be paid. The shipped payment backends need
/// nothing there and the acceptor stores the merchant's name with the session, so the acceptor no longer enqueues it;
/// the handler finishes the jobs an older version enqueued, by naming a session stored without the merchant's name.
///
/// Idempotent: a session already named is left as it is. When the metadata cannot be had the job retries; the
/// hosted page falls back to the merchant's OCID meanwhile.
public struct SessionOpening: JobHandler {
    /// The job kind (`SessionOpenJob`, enqueued by the acceptor).
    public static let kind = SessionOpenJob.kind

    public let sessions: any CheckoutSessionStore
    public let peers: any PeerDirectory
    public let logger: Logger

    public init(sessions: any CheckoutSessionStore, peers: any PeerDirectory, logger: Logger) {
        self.sessions = sessions
        self.peers = peers
        self.logger = logger
    }

    public func run(_ job: ClaimedJob) async -> JobOutcome {
        guard let payload = SessionOpenJob(payload: job.payload) else {
            return .dead(error: "payload names no session: \(String(decoding: job.payload, as: UTF8.self))")
        }
        do {
            guard let session = try await sessions.session(id: payload.session) else {
                return .dead(error: "session \(payload.session) does not exist")
            }
            if let stored = session.merchantName {
                return .succeeded(note: "already named \(stored)")
            }
            let name: String
            do {
                name = try await peers.metadata(for: session.merchantOCID).name
            } catch {
                return .retry(error: "merchant \(session.merchantOCID) metadata: \(error.message)")
            }
            guard !name.isEmpty else {
                return .succeeded(note: "merchant \(session.merchantOCID) publishes no name; the page shows its OCID")
            }
            _ = try await sessions.name(sessionID: session.id, merchantName: name)
            return .succeeded(note: "merchant named \(name)")
        } catch {
            return .retry(error: "storage: \(error)")
        }
    }
}
