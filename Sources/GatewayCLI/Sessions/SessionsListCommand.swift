import ArgumentParser
import Foundation
import GatewayCore
import GatewayStore
import Opencharge

/// `ocgate sessions list`: newest sessions first, filtered by status, MG, merchant and creation time.
struct SessionsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List checkout sessions, newest first.")

    @OptionGroup var runtime: RuntimeOptions
    @Option(
        help: "Only sessions in this status (\(SessionStatus.allCases.map(\.rawValue).joined(separator: ", "))).",
        transform: SessionPresentation.status)
    var status: SessionStatus?
    @Option(name: .customLong("mg"), help: "Only sessions of this Merchant Gateway OCID.", transform: SessionPresentation.ocid)
    var mg: UInt64?
    @Option(help: "Only sessions of this merchant OCID.", transform: SessionPresentation.ocid) var merchant: UInt64?
    @Option(help: "Created at or after this time: \(InstantArgument.help).", transform: InstantArgument.parse)
    var since: Date?
    @Option(help: "Created before this time.", transform: InstantArgument.parse)
    var until: Date?
    @Option(help: "At most this many sessions.") var limit = 50
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard limit > 0 else { throw ValidationError("--limit must be positive") }
    }

    func run() async throws {
        let gateway = try runtime.open()
        let store = gateway.stores.sessions
        let sessions = try await store.list(
            SessionFilter(status: status, mgOCID: mg, merchantOCID: merchant, since: since, until: until, limit: limit))
        if json {
            JobPresentation.print(["sessions": .array(sessions.map(SessionPresentation.json))])
        } else {
            sessions.forEach { print(SessionPresentation.line($0)) }
        }
    }
}
