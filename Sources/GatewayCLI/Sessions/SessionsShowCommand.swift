import ArgumentParser
import Foundation
import GatewayCore
import GatewayStore
import Opencharge

/// `ocgate sessions show ID`: one session, its order as stored, its charges, its proof and ledger entry, and
/// the jobs that belong to it with every attempt (deliveries included).
struct SessionsShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a session with its order, charges and jobs.")

    @OptionGroup var runtime: RuntimeOptions
    @Argument(help: "The session id (cs_…).") var id: String
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let gateway = try runtime.open()
        let stores = gateway.stores
        guard let overview = try await stores.sessions.overview(id: id) else {
            throw CommandFailure("session \(id) does not exist")
        }
        let charges = try await stores.charges.charges(sessionID: id)
        let proof = try await stores.proofs.proof(sessionID: id)
        var ledger: LedgerEntry?
        if let proof { ledger = try await stores.proofs.ledgerEntry(txid: proof.txid) }
        var details: [JobDetail] = []
        for job in try await stores.jobs.jobs(ofSession: id, charges: charges, proof: proof) {
            if let detail = try await gateway.stores.jobs.show(id: job.id) { details.append(detail) }
        }
        if json {
            guard case .object(var fields) = SessionPresentation.json(overview) else { return }
            let order = overview.session.orderJSON
            fields["order"] = (try? JSONParser.parse(order)) ?? .string(order)
            fields["order_signature"] = .string(overview.session.orderSignature)
            fields["charges"] = .array(charges.map(SessionPresentation.json))
            fields["proof"] = proof.map(SessionPresentation.json) ?? .null
            fields["ledger_entry"] = ledger.map(SessionPresentation.json) ?? .null
            fields["jobs"] = .array(details.map { detail in
                guard case .object(var job) = JobPresentation.json(detail.job) else { return .null }
                job["attempts"] = .array(detail.attempts.map(JobPresentation.json))
                return .object(job)
            })
            JobPresentation.print(.object(fields))
        } else {
            print(SessionPresentation.line(overview))
            print("order: \(overview.session.orderJSON)")
            print("charges: \(charges.count)")
            charges.forEach { print(SessionPresentation.line($0)) }
            if let proof { print("proof: \(proof.txid) delivery \(proof.deliveryState.rawValue) \(proof.proofJSON)") }
            if let ledger { print("ledger: \(ledger.txid) payable to \(ledger.mgOCID) \(ledger.amount) \(ledger.currency)") }
            print("jobs: \(details.count)")
            for detail in details {
                print("  " + JobPresentation.line(detail.job))
                detail.attempts.forEach { print("    " + JobPresentation.line($0)) }
            }
        }
    }
}
