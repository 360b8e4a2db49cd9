import ArgumentParser
import Foundation
import GatewayConfig

/// `--config`, shared by every command that reads the configuration.
struct ConfigOptions: ParsableArguments {
    @Option(name: .customLong("config"), help: "Configuration file (default: $OCGATE_CONFIG or config/ocgate.toml).")
    var path: String?

    /// Loads and validates the configuration; a problem is one line on stderr and exit code 1.
    func load() throws -> GatewayConfiguration {
        let environment = ProcessInfo.processInfo.environment
        let file = path ?? environment["OCGATE_CONFIG"] ?? "config/ocgate.toml"
        do {
            return try GatewayConfiguration.load(path: file, environment: environment)
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
