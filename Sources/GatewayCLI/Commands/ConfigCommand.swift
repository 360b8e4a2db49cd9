import ArgumentParser
import GatewayAssembly
import GatewayConfig
import GatewayCore

/// `ocgate config …`: look at the configuration without starting anything.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Inspect the configuration.",
        subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load and validate the configuration, then print the effective values (secrets redacted).")

        @OptionGroup var config: ConfigOptions

        @Flag(help: "Print the values as a JSON object.")
        var json = false

        func run() throws {
            let configuration = try config.load()
            // What only the storage backend reads (PostgreSQL's sslmode and sslrootcert), checked without connecting.
            do { try GatewayAssembly.checkStoreSettings(configuration) } catch { throw CommandFailure(error.description) }
            let values = configuration.effectiveValues()
            if json {
                let fields = values.map { "\(jsonString($0.key)):\(jsonString($0.value))" }
                print("{" + fields.joined(separator: ",") + "}")
            } else {
                for value in values { print("\(value.key) = \(value.value)") }
            }
        }
    }
}
