import ArgumentParser
import Foundation
import GatewayConfig

/// `--config`, shared by every command that reads the configuration.
struct ConfigOptions: ParsableArguments {
    @Option(
        name: .customLong("config"),
        help: """
            Configuration file, which must exist (default: $OCGATE_CONFIG, else config/ocgate.toml when it exists, \
            else the built-in defaults and OCGATE_* variables alone).
            """)
    var path: String?

    func validate() throws {
        if path?.isEmpty == true { throw ValidationError("--config needs a file name") }
    }

    /// Loads and validates the configuration; a problem is one line on stderr and exit code 1. A file named by
    /// `--config` or `OCGATE_CONFIG` must exist; without either, a missing config/ocgate.toml means the built-in
    /// defaults and the environment.
    func load() throws -> GatewayConfiguration {
        let environment = ProcessInfo.processInfo.environment
        do {
            return try GatewayConfiguration.load(ConfigFile.choose(named: path, environment: environment), environment: environment)
        } catch {
            throw CommandFailure(error.description)
        }
    }
}

/// A failure the user can act on: printed as one line on stderr, exit code 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
