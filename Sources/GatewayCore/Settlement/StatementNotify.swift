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
    /// The job kind (`StatementNotifyJob`).
    public static let kind = StatementNotifyJob.kind

    private let statements: any SettlementStore
    private let delivery: SignedDelivery
    private let urls: SettlementSection
    private let logger: Logger

    public init(
        identity: GatewayIdentity, statements: any SettlementStore, client: OutboundClient, urls: SettlementSection,
        settings: DeliverySection, time: any TimeSource, logger: Logger
    ) {
        self.statements = statements
        self.delivery = SignedDelivery(identity: identity, client: client, settings: settings, time: time, logger: logger)
        self.urls = urls
        self.logger = logger
    }

    public func run(_ job: ClaimedJob) async -> JobOutcome {
        guard let id = StatementNotifyJob(payload: job.payload)?.statement else {
            return .dead(error: "settle.notify payload is not {\"statement\"}")
        }
        return await delivery.run(
            job, subject: "statement", metadata: ["statement": "\(id)"],
            attempt: {
                do {
                    return try await attempt(id)
                } catch {
                    return .retry(error: "settlement store error: \(error)")
                }
            },
            giveUp: { try? await statements.recordNotify(statementID: id, state: .dead) })
    }

    private func attempt(_ id: String) async throws -> JobOutcome {
        guard let statement = try await statements.statement(id: id) else { return .dead(error: "no statement \(id)") }
        if statement.notifyState == .accepted { return .succeeded(note: "already accepted") }
        guard let url = urls.notifyURL(for: statement.mgOCID), let target = WebhookTarget(url: url) else {
            return .dead(error: "settlement.notify has no usable URL for MG \(statement.mgOCID)")
        }
        switch await delivery.send(statement.signedBody, to: target) {
        case .unanswered(let error):
            return .retry(error: error)
        case .answered(let response, .accepted, _):
            try await statements.recordNotify(statementID: id, state: .accepted)
            return .succeeded(note: "statement accepted by MG \(statement.mgOCID) (HTTP \(response.status))")
        case .answered(let response, .rejected(let reason), let excerpt), .answered(let response, .refused(let reason), let excerpt):
            try await statements.recordNotify(statementID: id, state: .rejected)
            logger.error("statement delivery stopped: \(reason)", metadata: ["statement": "\(id)", "mg": "\(statement.mgOCID)"])
            return .dead(error: reason, httpStatus: response.status, responseExcerpt: excerpt)
        case .answered(let response, .retry(let reason, let after), let excerpt):
            return .retry(error: reason, after: after, httpStatus: response.status, responseExcerpt: excerpt)
        }
    }
}
