import ArgumentParser
import GatewayCore
import GatewayStore
import Opencharge

/// `ocgate jobs resume`: lift the drain flag.
struct JobsResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Lift the drain flag: the acceptor and inbox take new work again.")

    @OptionGroup var runtime: RuntimeOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        try await runtime.open().stores.jobs.setDraining(false)
        if json { JobPresentation.print(["draining": false]) } else { print("resumed: taking new work") }
    }
}
