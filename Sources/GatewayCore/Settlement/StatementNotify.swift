import Foundation
import GatewayConfig
import GatewayOutbound
import GatewayStore
import Logging
import Opencharge

/// The `settle.notify` handler: POSTs a signed statement to the URL `settlement.notify` configures for its MG,
/// with fresh signed headers on every attempt, and reads the reply like a proof delivery's (spec §6.1): the MG
/// answers `200 {"status":"accepted"}`. Retries follow `[delivery]`'s schedule until `give_up_after`.
public struct StatementNotify: JobHandler {
    /// The job kind.
    public static let kind = "settle.notify"

    /// The delivery job of a statement; its unique key makes it exist once per statement.
    public static func job(statementID: String) -> NewJob {
        NewJob(
            kind: kind, payload: Data(CanonicalJSON.encode(["statement": .string(statementID)])),
            uniqueKey: "\(kind):\(statementID)")
    }

    private let statements: SettlementStore
    private let post: SignedPost
    private let urls: SettlementSection
    private let settings: DeliverySection
    private let time: any TimeSource
    private let logger: Logger

    public init(
        identity: GatewayIdentity, statements: SettlementStore, client: OutboundClient, urls: SettlementSection,
        settings: DeliverySection, time: any TimeSource, logger: Logger
    ) {
        self.statements = statements
        self.post = SignedPost(identity: identity, client: client)
        self.urls = urls
        self.settings = settings
        self.time = time
        self.logger = logger
    }

    public func run(_ job: ClaimedJob) async -> JobOutcome {
        guard let id = (try? JSONParser.parse(Array(job.payload)))?["statement"]?.stringValue else {
            return .dead(error: "settle.notify payload is not {\"statement\"}")
        }
        let outcome: JobOutcome
        do {
            outcome = try await attempt(id)
        } catch {
            outcome = .retry(error: "settlement store error: \(error)")
        }
        guard let failure = ProofDelivery.retryPolicy(settings).finalFailure(after: outcome, of: job, now: time.now())
        else { return outcome }
        try? await statements.recordNotify(statementID: id, state: .dead)
        logger.error("statement delivery given up: \(failure.error)", metadata: ["statement": "\(id)"])
        return .dead(failure)
    }

    private func attempt(_ id: String) async throws -> JobOutcome {
        guard let statement = try await statements.statement(id: id) else { return .dead(error: "no statement \(id)") }
        if statement.notifyState == .accepted { return .succeeded(note: "already accepted") }
        guard let url = urls.notifyURL(for: statement.mgOCID), let target = WebhookTarget(url: url) else {
            return .dead(error: "settlement.notify has no usable URL for MG \(statement.mgOCID)")
        }
        let response: OutboundResponse
        do {
            response = try await post.send(statement.signedBody, to: target, timeout: settings.timeout, time: time)
        } catch {
            return .retry(error: "\(error)")
        }
        let excerpt = String(decoding: response.body.prefix(4096), as: UTF8.self)
        switch WebhookVerdict(status: response.status, headers: response.headers, body: response.body, now: time.now()) {
        case .accepted:
            try await statements.recordNotify(statementID: id, state: .accepted)
            return .succeeded(note: "statement accepted by MG \(statement.mgOCID) (HTTP \(response.status))")
        case .rejected(let reason), .refused(let reason):
            try await statements.recordNotify(statementID: id, state: .rejected)
            logger.error("statement delivery stopped: \(reason)", metadata: ["statement": "\(id)", "mg": "\(statement.mgOCID)"])
            return .dead(error: reason, httpStatus: response.status, responseExcerpt: excerpt)
        case .retry(let reason, let after):
            return .retry(error: reason, after: after, httpStatus: response.status, responseExcerpt: excerpt)
        }
    }
}
