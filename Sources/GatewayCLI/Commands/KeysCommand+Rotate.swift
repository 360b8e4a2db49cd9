import ArgumentParser
import Foundation
import GatewayConfig
import GatewayCore
import Opencharge

extension KeysCommand {
    /// `ocgate keys rotate`: a new gateway key, the old one published as `previousKey` for a grace period.
    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace the gateway key, keeping the old one published as previousKey for a grace period.",
            discussion: """
                The old private key is kept as <key_file>.old-<rotatedAt> and the rotation recorded in \
                <key_file>.previous. Restart `ocgate serve` and `ocgate work` afterwards so they sign with the new key.
                """)

        @Option(help: "How long the old key stays published, like 30m, 24h or 2d (default: gateway.previous_key_grace).")
        var grace: String?

        @Flag(help: "Rotate even while the previous rotation's old key is still published (it stops being published).")
        var force = false

        @Flag(help: "Print the result as JSON.")
        var json = false

        @OptionGroup var config: ConfigOptions

        func run() throws {
            let gateway = try config.load().gateway
            if gateway.previousKey != nil {
                // The configured key would be published instead of the one this rotation replaces.
                throw CommandFailure(
                    "gateway.previous_key is set in the configuration and would hide this rotation; remove it first")
            }
            let rotation = KeyRotation(keyFile: gateway.keyFile, grace: try grace(default: gateway.previousKeyGrace), force: force)
            let outcome: KeyRotation.Outcome
            do { outcome = try rotation.perform(at: Date()) } catch {
                throw CommandFailure(error.description)
            }
            let record = outcome.record
            if json {
                print(
                    CanonicalJSON.string([
                        "oldPublicKey": .string(outcome.oldKey.hex), "newPublicKey": .string(outcome.newKey.hex),
                        "rotatedAt": .integer(record.rotatedAt), "graceUntil": .integer(record.graceUntil),
                        "oldKeyFile": .string(record.oldKeyFile),
                    ]))
                return
            }
            print("old public key: \(outcome.oldKey.hex)")
            print("new public key: \(outcome.newKey.hex)")
            print("old private key kept in \(record.oldKeyFile)")
            if record.graceUntil > record.rotatedAt {
                print("old key published as previousKey until \(KeysCommand.time(record.graceUntil))")
            } else {
                print("old key not published (no grace period)")
            }
            print("restart `ocgate serve` and `ocgate work` so they sign with the new key")
        }

        private func grace(default configured: Duration) throws -> Duration {
            guard let grace else { return configured }
            guard let duration = Duration(configText: grace) else {
                throw CommandFailure("--grace \(grace): expected a duration like 30m, 24h or 2d")
            }
            return duration
        }
    }

    /// Unix seconds as an ISO 8601 instant, the way every command prints times.
    static func time(_ seconds: Int64) -> String {
        Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(.iso8601)
    }
}
