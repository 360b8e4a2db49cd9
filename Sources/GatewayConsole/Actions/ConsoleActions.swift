import Foundation
import GatewayCore
import GatewayStore
import Logging

/// Every change an operator makes through the console, each written to the audit log with its outcome, refusals
/// included. They go through the same store contracts as the command line, so they work on every backend.
struct ConsoleActions: Sendable {
    let stores: GatewayStores
    let time: any TimeSource
    let logger: Logger

    func retry(job id: Int64, client: String) async throws -> Flash {
        try await audited("job.retry", target: "job \(id)", client: client) {
            try await stores.jobs.retry(id: id)
            return "job \(id) queued to run now"
        }
    }

    func cancel(job id: Int64, client: String) async throws -> Flash {
        try await audited("job.cancel", target: "job \(id)", client: client) {
            try await stores.jobs.cancel(id: id)
            return "job \(id) cancelled"
        }
    }

    /// Retries or cancels every job `filter` matches, not only the rows a page showed.
    func bulk(_ action: BulkAction, _ filter: JobFilter, description: String, client: String) async throws -> Flash {
        try await audited("jobs.\(action.rawValue)", target: description, client: client) {
            let count = try await action.apply(to: filter, in: stores.jobs)
            return "\(count) jobs \(action.done)"
        }
    }

    func setDraining(_ draining: Bool, client: String) async throws -> Flash {
        try await audited(draining ? "drain" : "resume", target: "checkouts", client: client) {
            try await stores.jobs.setDraining(draining)
            return draining
                ? "draining: new checkouts are refused; work already taken goes on"
                : "resumed: checkouts are accepted again"
        }
    }

    /// Sends a session's proof again (BTCPay's and Stripe's "resend").
    func redeliver(sessionID: String, client: String) async throws -> Flash {
        try await audited("proof.redeliver", target: "session \(sessionID)", client: client) {
            guard let proof = try await stores.proofs.proof(sessionID: sessionID) else {
                throw ConsoleError.conflict("session \(sessionID) has no proof to deliver")
            }
            let job = ProofDeliveryJob(txid: proof.txid).job(mgOCID: proof.mgOCID)
            guard let redelivery = try await stores.deliveries.redeliver(txid: proof.txid, job: job) else {
                throw ConsoleError.conflict("proof \(proof.txid) is not stored")
            }
            return redelivery.queued
                ? "proof \(proof.txid) queued for delivery to MG \(proof.mgOCID) (job \(redelivery.jobID))"
                : "proof \(proof.txid) is being delivered right now (job \(redelivery.jobID)); its outcome stands"
        }
    }

    func setPartner(_ ocid: UInt64, _ status: Partner.Status, client: String) async throws -> Flash {
        let action = status == .enabled ? "partner.enable" : "partner.disable"
        return try await audited(action, target: "MG \(ocid)", client: client) {
            guard try await stores.partners.setStatus(status, for: ocid) else {
                throw ConsoleError.conflict("MG \(ocid) is not a partner; add it with `ocgate partners add`")
            }
            return "MG \(ocid) \(status.rawValue)"
        }
    }

    /// Logins are audited too: who got in, and who tried a wrong token.
    func recordLogin(succeeded: Bool, client: String) async throws {
        try await stores.audit.record(
            NewAuditEntry(
                at: time.now(), action: "login", target: "console", client: client,
                outcome: succeeded ? "logged in" : "wrong token"))
    }

    /// Runs `body`, records the action with what came of it, and turns a refusal into an alert for the operator.
    private func audited(
        _ action: String, target: String, client: String, _ body: () async throws -> String
    ) async throws -> Flash {
        let flash: Flash
        do {
            flash = Flash(text: try await body(), isAlert: false)
        } catch let error as ConsoleError {
            flash = Flash(text: error.message, isAlert: true)
        } catch let error as QueueError {
            flash = Flash(text: error.description, isAlert: true)
        }
        try await stores.audit.record(
            NewAuditEntry(
                at: time.now(), action: action, target: target, client: client,
                outcome: flash.isAlert ? "refused: \(flash.text)" : flash.text))
        logger.notice(
            "console action", metadata: ["action": "\(action)", "target": "\(target)", "client": "\(client)", "outcome": "\(flash.text)"])
        return flash
    }
}

/// What a bulk action does to the jobs a filter matches.
enum BulkAction: String, Sendable, CaseIterable {
    case retry, cancel

    var verb: String { self == .retry ? "Retry" : "Cancel" }
    var done: String { self == .retry ? "requeued" : "cancelled" }

    /// The states the action changes: retry revives dead and cancelled jobs, cancel stops queued ones.
    var states: [JobState] { self == .retry ? [.dead, .cancelled] : [.queued] }

    /// How many jobs the action would change now: the filter narrowed to the states it acts on.
    func count(_ filter: JobFilter, in queue: any JobQueue) async throws -> Int {
        var total = 0
        for state in states where filter.state == nil || filter.state == state {
            var narrowed = filter
            narrowed.state = state
            total += try await queue.count(matching: narrowed)
        }
        return total
    }

    func apply(to filter: JobFilter, in queue: any JobQueue) async throws -> Int {
        if let state = filter.state, !states.contains(state) { return 0 }
        return switch self {
        case .retry: try await queue.retry(matching: filter)
        case .cancel: try await queue.cancel(matching: filter)
        }
    }
}
