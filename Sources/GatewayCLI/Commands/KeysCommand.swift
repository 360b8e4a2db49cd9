import ArgumentParser
import Foundation
import GatewayConfig
import GatewayCore
import Opencharge

/// `ocgate keys …`: the gateway's signing key.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Create, inspect and rotate the gateway's secp256k1 key.",
        subcommands: [Generate.self, Show.self, Rotate.self])

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a new private key (64 hex, mode 0600) and print its public key.")

        @Option(help: "Key file to write (default: gateway.key_file of the configuration).")
        var out: String?

        @Flag(help: "Replace an existing key file.")
        var force = false

        @OptionGroup var config: ConfigOptions

        func validate() throws {
            if out?.isEmpty == true { throw ValidationError("--out needs a file name") }
        }

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
        static let configuration = CommandConfiguration(
            abstract: "Print the public key of the configured key file, and the previous key while it is published.")

        @Flag(help: "Print the keys as JSON.")
        var json = false

        @OptionGroup var config: ConfigOptions

        func run() throws {
            let identity: GatewayIdentity
            do { identity = try GatewayIdentity(configuration: try config.load()) } catch let error as GatewayStartupError {
                throw CommandFailure(error.description)
            }
            let previous = identity.publishedPreviousKey(at: Date())
            if json {
                var keys = JSONObject([("publicKey", .string(identity.key.publicKey.hex))])
                if let previous {
                    keys["previousKey"] = .string(previous.hex)
                    if let end = identity.previousKeyGraceUntil { keys["previousKeyUntil"] = .integer(end) }
                }
                print(CanonicalJSON.string(.object(keys)))
                return
            }
            print(identity.key.publicKey.hex)
            guard let previous else { return }
            let until = identity.previousKeyGraceUntil.map { KeysCommand.time($0) } ?? "gateway.previous_key is removed"
            print("previous key: \(previous.hex) (published until \(until))")
        }
    }
}
