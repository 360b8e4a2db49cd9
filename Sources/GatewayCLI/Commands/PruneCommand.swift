import ArgumentParser
import GatewayConfig
import GatewayCore
import GatewayStore
import Opencharge

/// `ocgate prune`: delete finished jobs and their attempts past a retention age.
struct PruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune", abstract: "Delete succeeded and cancelled jobs (with their attempts) older than a retention age.")

    @OptionGroup var runtime: RuntimeOptions
    @Option(help: "Retention age (for example 7d, 12h, 30m); default: workers.job_retention (7d).",
        transform: OperatorArguments.duration)
    var olderThan: Duration?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let gateway = try runtime.open()
        let count = try await gateway.stores.jobs.prune(olderThan: olderThan ?? gateway.configuration.workers.jobRetention)
        if json { JobPresentation.print(["pruned": .integer(count)]) } else { print("pruned \(count) jobs") }
    }
}
