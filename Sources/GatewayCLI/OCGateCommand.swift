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
            StoreCommand.self,
        ])

    public init() {}
}

extension OCGateCommand {
    /// Runs the command line with the exit codes scripts rely on: 0 done, 1 error, 2 usage; a failure is one
    /// line on stderr.
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
            let code = exitCode(for: error)
            // --help and --version end parsing with an "error" too: the parser prints them and exits 0.
            guard code != .success else { exit(withError: error) }
            let message = message(for: error)
            if !message.isEmpty { FileHandle.standardError.write(Data((errorLine(message) + "\n").utf8)) }
            Foundation.exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }

    /// `Error: message` on one line: line breaks (a value given with one, a multi-line library error) are
    /// written as `\n`, so a script reading stderr line by line sees one error per failure.
    static func errorLine(_ message: String) -> String {
        let lines = message.trimmingCharacters(in: .whitespacesAndNewlines)
            .split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        return "Error: " + lines.joined(separator: "\\n")
    }
}
