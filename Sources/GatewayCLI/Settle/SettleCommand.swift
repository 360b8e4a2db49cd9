import ArgumentParser
import Foundation
import GatewayConfig
import GatewayCore
import GatewayStore
import Opencharge

/// `ocgate settle …`: settlement statements, made for cron, and their reconciliation.
struct SettleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settle",
        abstract: "Net the MG ledger into signed statements (default), or report what is owed and stuck.",
        subcommands: [SettleRunCommand.self, SettleReportCommand.self],
        defaultSubcommand: SettleRunCommand.self)
}

/// `ocgate settle [--until --mg --dry-run --json]`.
struct SettleRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Write one statement per MG and currency for the ledger entries before the cut-off.",
        discussion: """
            Takes every ledger entry not yet in a statement whose proof the MG accepted (or, with \
            settlement.require_accepted = false, every issued proof's entry) created before the cut-off. A run is \
            idempotent: the same cut-off never makes a second statement. Exit code 1 when anything could not be \
            settled (a rejected or dead delivery, a file that could not be written), with the reasons on stderr.
            """)

    @OptionGroup var runtime: RuntimeOptions
    @Option(
        help: "Cut-off (exclusive): \(InstantArgument.help). Default: the start of the current UTC day.",
        transform: InstantArgument.parse)
    var until: Date?
    @Option(help: "Settle only this MG (its OCID).") var mg: UInt64?
    @Flag(help: "Print what would be settled; write nothing.") var dryRun = false
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        try await runtime.enqueuing { gateway in
            let identity: GatewayIdentity
            do { identity = try GatewayIdentity(configuration: gateway.configuration) } catch {
                throw CommandFailure("\(error)")
            }
            let settlement = gateway.configuration.settlement
            let run = SettlementRun(
                store: gateway.stores.settlement, identity: identity,
                settings: SettlementSettings(
                    requireAccepted: settlement.requireAccepted, notifyURL: { settlement.notifyURL(for: $0) },
                    failpoint: SettlementFailpoint.fromEnvironment()),
                folder: gateway.spool.statements, time: gateway.time,
                logger: GatewayLogging.logger(gateway.configuration, label: "ocgate.settle"))
            let cutOff = until ?? SettlementRun.startOfDay(gateway.time.now())
            let result: SettlementResult
            do {
                result = try await dryRun ? run.plan(until: cutOff, mgOCID: mg) : run.run(until: cutOff, mgOCID: mg)
            } catch let error as SettlementError {
                throw CommandFailure(error.description)
            }
            let presentation = SettlementPresentation(result: result, dryRun: dryRun, folder: gateway.spool.statements)
            if json { JobPresentation.print(presentation.json) } else { presentation.lines.forEach { print($0) } }
            guard result.isComplete else { throw CommandFailure(presentation.incompleteSummary) }
        }
    }
}
