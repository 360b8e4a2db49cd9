import ArgumentParser
import GatewayConfig
import GatewayCore
import GatewayStore
import Opencharge

/// `ocgate jobs drain`: stop taking new work into this spool and wait for due work to finish.
struct JobsDrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drain",
        abstract: "Set the drain flag (acceptor and inbox refuse new work) and wait until no due job is queued or running.")

    @OptionGroup var runtime: RuntimeOptions
    @Option(help: "Give up waiting after this long (the flag stays set).", transform: OperatorArguments.duration)
    var timeout: Duration = .seconds(60)
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let queue = try runtime.open().stores.jobs
        try await queue.setDraining(true)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var pending = try await queue.pendingWork(excludingKinds: GatewayJobs.maintenanceKinds)
        while pending > 0, clock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            pending = try await queue.pendingWork(excludingKinds: GatewayJobs.maintenanceKinds)
        }
        guard pending == 0 else {
            throw CommandFailure(
                "drain timed out after \(timeout.configText): \(pending) jobs still queued or running; the spool stays draining (`ocgate jobs resume` lifts it)")
        }
        if json { JobPresentation.print(["draining": true, "pending": 0]) } else { print("drained: no work pending") }
    }
}
