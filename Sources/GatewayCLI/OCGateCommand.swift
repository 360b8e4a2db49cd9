import ArgumentParser
import Foundation

/// The `ocgate` command tree; every verb hangs off it.
public struct OCGateCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ocgate",
        abstract: "Opencharge Payment Gateway: signed checkouts in, signed transfer proofs out.",
        version: "0.1.0",
        subcommands: [
            ServeCommand.self, DemoCommand.self, WorkCommand.self, JobsCommand.self, PartnersCommand.self, PruneCommand.self,
            BackupCommand.self, KeysCommand.self, ConfigCommand.self, BenchCommand.self, SessionsCommand.self, SettleCommand.self,
        ])

    public init() {}
}

extension OCGateCommand {
    /// Runs the command line with the exit codes scripts rely on: 0 done, 1 error, 2 usage.
    public static func runMain(_ arguments: [String]? = nil) async -> Never {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            Foundation.exit(0)
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
