import ArgumentParser
import GatewayCore
import GatewayStore
import Opencharge

/// `ocgate jobs list`: newest jobs first.
struct JobsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List jobs, newest first.")

    @OptionGroup var runtime: RuntimeOptions
    @Option(help: "Only jobs in this state (queued, running, succeeded, dead, cancelled).", transform: OperatorArguments.state)
    var state: JobState?
    @Option(help: "Only jobs of this kind.") var kind: String?
    @Option(
        name: .customLong("mg"), help: "Only jobs about this Merchant Gateway OCID (jobs enqueued before ocgate knew it have none).",
        transform: SessionPresentation.ocid)
    var mg: UInt64?
    @Option(help: "At most this many jobs.") var limit = 50
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard limit > 0 else { throw ValidationError("--limit must be positive") }
    }

    func run() async throws {
        let jobs = try await runtime.open().stores.jobs.list(JobFilter(state: state, kind: kind, mgOCID: mg, limit: limit))
        if json {
            JobPresentation.print(["jobs": .array(jobs.map(JobPresentation.json))])
        } else {
            jobs.forEach { print(JobPresentation.line($0)) }
        }
    }
}
