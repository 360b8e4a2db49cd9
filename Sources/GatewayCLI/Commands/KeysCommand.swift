import ArgumentParser
import GatewayConfig
import Opencharge

/// `ocgate keys …`: the gateway's signing key.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Create and inspect the gateway's secp256k1 key.",
        subcommands: [Generate.self, Show.self])

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a new private key (64 hex, mode 0600) and print its public key.")

        @Option(help: "Key file to write (default: gateway.key_file of the configuration).")
        var out: String?

        @Flag(help: "Replace an existing key file.")
        var force = false

        @OptionGroup var config: ConfigOptions

        func run() throws {
            let path = try out ?? config.load().gateway.keyFile
            let key = PrivateKey.generate()
            do {
                try KeyFile.write(key, to: path, replacing: force)
            } catch {
                throw CommandFailure(error.description)
            }
            print(key.publicKey.hex)
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the public key of the configured key file.")

        @OptionGroup var config: ConfigOptions

        func run() throws {
            let path = try config.load().gateway.keyFile
            do {
                print(try KeyFile.load(path: path).publicKey.hex)
            } catch {
                throw CommandFailure(error.description)
            }
        }
    }
}
