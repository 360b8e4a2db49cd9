import ArgumentParser
import Foundation
import GatewayCore
import GatewayStore
import Opencharge

/// `ocgate jobs retry`: requeue dead or cancelled jobs now, history kept.
struct JobsRetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry", abstract: "Requeue dead or cancelled jobs by id, or every dead job with --all-dead.")

    @OptionGroup var runtime: RuntimeOptions
    @Argument(help: "Job ids.") var ids: [Int64] = []
    @Flag(help: "Retry every dead job (narrowed by --kind, --mg, --since, --until).") var allDead = false
    @Option(help: "With --all-dead: only this kind.") var kind: String?
    @Option(name: .customLong("mg"), help: "With --all-dead: only jobs about this Merchant Gateway OCID.", transform: SessionPresentation.ocid)
    var mg: UInt64?
    @Option(help: "With --all-dead: died at or after this time: \(InstantArgument.help).", transform: InstantArgument.parse)
    var since: Date?
    @Option(help: "With --all-dead: died before this time.", transform: InstantArgument.parse)
    var until: Date?
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard ids.isEmpty == allDead else { throw ValidationError("give job ids or --all-dead, not both or neither") }
        guard allDead || (kind == nil && mg == nil && since == nil && until == nil) else {
            throw ValidationError("--kind, --mg, --since and --until narrow --all-dead only")
        }
    }

    func run() async throws {
        try await runtime.enqueuing { opened in
            let queue = opened.stores.jobs
            if allDead {
                let count = try await queue.retry(
                    matching: JobFilter(state: .dead, kind: kind, mgOCID: mg, since: since, until: until))
                if json { JobPresentation.print(["retried": .integer(count)]) } else { print("retried \(count) dead jobs") }
                return
            }
            try await OperatorBatch.apply(ids: ids, json: json, verb: "retried") { try await queue.retry(id: $0) }
        }
    }
}
