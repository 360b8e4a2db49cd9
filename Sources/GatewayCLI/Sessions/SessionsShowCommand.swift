import ArgumentParser
import Foundation
import GatewayCore
import GatewayStore
import Opencharge

/// `ocgate sessions show ID`: one session, its order as stored, its charges and the jobs that belong to it.
struct SessionsShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a session with its order, charges and jobs.")

    @OptionGroup var runtime: RuntimeOptions
    @Argument(help: "The session id (cs_…).") var id: String
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let gateway = try runtime.open()
        let store = CheckoutSessionStore(database: gateway.database, queue: gateway.queue)
        guard let overview = try await store.overview(id: id) else {
            throw CommandFailure("session \(id) does not exist")
        }
        let charges = try await store.charges(sessionID: id)
        let jobs = try await store.jobs(sessionID: id)
        if json {
            guard case .object(var fields) = SessionPresentation.json(overview) else { return }
            let order = overview.session.orderJSON
            fields["order"] = (try? JSONParser.parse(order)) ?? .string(order)
            fields["order_signature"] = .string(overview.session.orderSignature)
            fields["charges"] = .array(charges.map(SessionPresentation.json))
            fields["jobs"] = .array(jobs.map(JobPresentation.json))
            JobPresentation.print(.object(fields))
        } else {
            print(SessionPresentation.line(overview))
            print("order: \(overview.session.orderJSON)")
            print("charges: \(charges.count)")
            charges.forEach { print(SessionPresentation.line($0)) }
            print("jobs: \(jobs.count)")
            jobs.forEach { print("  " + JobPresentation.line($0)) }
        }
    }
}
