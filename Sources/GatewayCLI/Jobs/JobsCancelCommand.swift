import ArgumentParser
import GatewayCore
import GatewayStore

/// `ocgate jobs cancel ID…`: stop queued jobs before they run.
struct JobsCancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel queued jobs.")

    @OptionGroup var runtime: RuntimeOptions
    @Argument(help: "Job ids.") var ids: [Int64]
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let queue = try runtime.open().stores.jobs
        try await OperatorBatch.apply(ids: ids, json: json, verb: "cancelled") { try await queue.cancel(id: $0) }
    }
}
