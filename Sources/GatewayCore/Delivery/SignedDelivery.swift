import Foundation
import GatewayConfig
import GatewayOutbound
import GatewayStore
import Logging

/// The skeleton every signed delivery to an MG shares (a proof's `callback.deliver`, a statement's
/// `settle.notify`): send the stored bytes with fresh signed headers, read the reply as spec §6.1's table says, and
/// when a failure spends `[delivery]`'s schedule, record the delivery dead and end the job.
struct SignedDelivery: Sendable {
    let post: SignedPost
    let settings: DeliverySection
    let time: any TimeSource
    let logger: Logger

    /// How one send ended: no reply at all, or the MG's reply and how to read it.
    enum Reply {
        case unanswered(String)
        case answered(OutboundResponse, WebhookVerdict, excerpt: String)
    }

    init(identity: GatewayIdentity, client: OutboundClient, settings: DeliverySection, time: any TimeSource, logger: Logger) {
        post = SignedPost(identity: identity, client: client)
        self.settings = settings
        self.time = time
        self.logger = logger
    }

    /// Runs one attempt. When its failure spends the schedule, the delivery stops here rather than in the queue, so
    /// `giveUp` records on the delivered thing itself that its delivery is dead (operators see it there), and the
    /// job ends dead with the failure logged at error level.
    /// - Parameter subject: what is delivered, for the log line (`proof`, `statement`).
    func run(
        _ job: ClaimedJob, subject: String, metadata: Logger.Metadata, attempt: () async -> JobOutcome,
        giveUp: () async -> Void
    ) async -> JobOutcome {
        let outcome = await attempt()
        guard let failure = settings.retryPolicy.finalFailure(after: outcome, of: job, now: time.now()) else {
            return outcome
        }
        await giveUp()
        logger.error("\(subject) delivery given up: \(failure.error)", metadata: metadata)
        return .dead(failure)
    }

    /// Sends `body` to `target`, the reply read as spec §6.1's table says.
    func send(_ body: [UInt8], to target: WebhookTarget) async -> Reply {
        let response: OutboundResponse
        do {
            response = try await post.send(body, to: target, timeout: settings.timeout, time: time)
        } catch {
            return .unanswered("\(error)")
        }
        let verdict = WebhookVerdict(status: response.status, headers: response.headers, body: response.body, now: time.now())
        return .answered(response, verdict, excerpt: String(decoding: response.body.prefix(4096), as: UTF8.self))
    }
}

extension DeliverySection {
    /// The retry policy of every delivery: this schedule and jitter, no attempt limit, dead after `give_up_after`.
    public var retryPolicy: RetryPolicy {
        RetryPolicy(schedule: schedule, jitter: jitter, maxAttempts: nil, giveUpAfter: giveUpAfter)
    }
}
