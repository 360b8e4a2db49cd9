import ArgumentParser
import Foundation
import GatewayAssembly
import GatewayConfig
import GatewayCore
import GatewayStore
import Logging
import Opencharge

/// `ocgate partners …`: the Merchant Gateways admitted when `partners.open` is false.
struct PartnersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "partners",
        abstract: "Admit, list, disable and enable the Merchant Gateways that may call this gateway.",
        subcommands: [Add.self, List.self, Disable.self, Enable.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resolve an MG's OCID, verify its metadata, and admit it (enabled).")

        @Argument(help: "The MG's OCID.")
        var ocid: UInt64

        @Flag(help: "Print the partner as JSON.")
        var json = false

        @OptionGroup var config: ConfigOptions

        func run() async throws {
            let configuration = try config.load()
            let logger = GatewayLogging.logger(configuration, label: "ocgate.partners")
            let runtime = try RuntimeOptions.open(configuration)
            let directory: MetadataDirectory
            do { directory = try GatewayAssembly.peers(of: runtime, logger: logger) } catch {
                throw CommandFailure(error.description)
            }
            let metadata: PeerMetadata
            do {
                metadata = try await directory.metadata(for: ocid)
            } catch {
                throw CommandFailure("cannot add OCID \(ocid): \(error.message)")
            }
            let partner = try await runtime.stores.partners.add(
                Partner(
                    ocid: ocid, name: metadata.name, publicKey: metadata.publicKey.hex, endpoint: metadata.endpoint,
                    status: .enabled, addedAt: Date()))
            print(json ? CanonicalJSON.string(PartnersCommand.json(partner)) : PartnersCommand.line(partner))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the partners.")

        @Flag(help: "Print a JSON array.")
        var json = false

        @OptionGroup var config: ConfigOptions

        func run() async throws {
            let partners = try await RuntimeOptions.open(try config.load()).stores.partners.all()
            if json {
                print(CanonicalJSON.string(.array(partners.map(PartnersCommand.json))))
            } else {
                partners.forEach { print(PartnersCommand.line($0)) }
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Refuse a partner's calls (403 CONNECTION_REFUSED).")

        @Argument(help: "The partner's OCID.")
        var ocid: UInt64

        @OptionGroup var config: ConfigOptions

        func run() async throws { try await PartnersCommand.set(.disabled, ocid, config) }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Accept a disabled partner's calls again.")

        @Argument(help: "The partner's OCID.")
        var ocid: UInt64

        @OptionGroup var config: ConfigOptions

        func run() async throws { try await PartnersCommand.set(.enabled, ocid, config) }
    }

    private static func set(_ status: Partner.Status, _ ocid: UInt64, _ config: ConfigOptions) async throws {
        guard try await RuntimeOptions.open(try config.load()).stores.partners.setStatus(status, for: ocid) else {
            throw CommandFailure("OCID \(ocid) is not a partner; add it with `ocgate partners add \(ocid)`")
        }
        print("\(ocid) \(status.rawValue)")
    }

    private static func line(_ partner: Partner) -> String {
        "\(partner.ocid)\t\(partner.status.rawValue)\t\(partner.name)\t\(partner.endpoint)\t\(partner.publicKey)"
    }

    private static func json(_ partner: Partner) -> JSONValue {
        .object(
            JSONObject([
                ("ocid", .integer(partner.ocid)), ("name", .string(partner.name)),
                ("publicKey", .string(partner.publicKey)), ("endpoint", .string(partner.endpoint)),
                ("status", .string(partner.status.rawValue)),
                ("addedAt", .string(ISO8601DateFormatter().string(from: partner.addedAt))),
            ]))
    }
}
