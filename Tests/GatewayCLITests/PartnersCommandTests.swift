import Foundation
import GatewaySimulator
import GatewayStore
import GatewayTestSupport
import Opencharge
import Testing

/// `ocgate partners …` run as a user would, against an MG whose metadata a loopback server publishes.
@Suite(.serialized) struct PartnersCommandTests {
    let config = OCGateProcess.packageRoot.appendingPathComponent("config/ocgate.toml").path
    let mgKey = PrivateKey.generate()

    /// A spool and a registry file naming OCID 300 (served) and 301 (nothing listens there); the store on
    /// `database` if given, else in the spool.
    func environment(metadataURL: String, database: PostgresSpoolDatabase? = nil) throws -> [String: String] {
        let dir = try OCGateProcess.temporaryDirectory()
        let registry = dir.appendingPathComponent("registry.toml").path
        try "\"300\" = \"\(metadataURL)\"\n\"301\" = \"http://127.0.0.1:1/metadata.json\"\n"
            .write(toFile: registry, atomically: true, encoding: .utf8)
        return [
            "OCGATE_SPOOL_DIR": dir.appendingPathComponent("spool").path, "OCGATE_REGISTRY_FILE": registry,
            // A bound only: the in-process metadata server answered a loaded machine past 2 s.
            "OCGATE_OUTBOUND_METADATA_TIMEOUT": "60s",
        ].merging(database?.environment ?? [:]) { $1 }
    }

    func metadata(signedBy signer: PrivateKey? = nil) -> [UInt8] {
        let config: JSONValue = [
            "publicKey": .string(mgKey.publicKey.hex), "endpoint": "https://mg.example/opencharge",
            "capabilities": ["transfer.webhook"],
        ]
        return CanonicalJSON.encode([
            "opencharge": "0.1", "name": "Demo MG", "config": config,
            "signature": .string((signer ?? mgKey).signObject(config).hex),
        ])
    }

    /// Runs the binary on a dispatch thread: waiting for it must not hold a cooperative thread, which the
    /// in-process metadata server needs to answer the binary.
    func run(_ arguments: [String], _ environment: [String: String]) async throws -> OCGateProcess.Result {
        let arguments = arguments + ["--config", config]
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try OCGateProcess.run(arguments, environment: environment) })
            }
        }
    }

    @Test(arguments: TestBackend.allCases)
    func addListDisableEnable(backend: TestBackend) async throws {
        let database = try await PostgresSpoolDatabase.make(for: backend)
        defer { withExtendedLifetime(database) {} }
        let env = try environment(
            metadataURL: try await MetadataServer.shared.publish(UUID().uuidString, body: metadata()), database: database)
        let added = try await run(["partners", "add", "300"], env)
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdout.contains("300\tenabled\tDemo MG\thttps://mg.example/opencharge\t\(mgKey.publicKey.hex)"))

        let listed = try await run(["partners", "list", "--json"], env)
        #expect(listed.status == 0)
        let partners = try JSONParser.parse(listed.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).arrayValue ?? []
        #expect(partners.count == 1)
        #expect(partners.first?["ocid"]?.numberValue?.uint64Value == 300)
        #expect(partners.first?["name"]?.stringValue == "Demo MG")
        #expect(partners.first?["publicKey"]?.stringValue == mgKey.publicKey.hex)
        #expect(partners.first?["status"]?.stringValue == "enabled")

        #expect(try await run(["partners", "disable", "300"], env).status == 0)
        #expect(try await run(["partners", "list"], env).stdout.contains("300\tdisabled\t"))
        #expect(try await run(["partners", "enable", "300"], env).status == 0)
        #expect(try await run(["partners", "list"], env).stdout.contains("300\tenabled\t"))
        if let database {
            // Written to the test's database, not to a file in the spool.
            #expect(try await database.stores.partners.partner(300)?.status == .enabled)
        }
    }

    @Test func unknownOrUnreachableOCIDsExit1NamingThem() async throws {
        let env = try environment(metadataURL: try await MetadataServer.shared.publish(UUID().uuidString, body: metadata()))
        for arguments in [["partners", "add", "999"], ["partners", "add", "301"], ["partners", "disable", "300"], ["partners", "enable", "42"]] {
            let result = try await run(arguments, env)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stderr.contains(arguments[2]), "\(arguments): \(result.stderr)")
        }
        let listed = try await run(["partners", "list", "--json"], env)
        #expect(listed.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")
    }

    @Test func metadataWithABadSignatureIsNotAdded() async throws {
        let env = try environment(metadataURL: try await MetadataServer.shared.publish(UUID().uuidString, body: metadata(signedBy: .generate())))
        let result = try await run(["partners", "add", "300"], env)
        #expect(result.status == 1)
        #expect(result.stderr.contains("300"))
        #expect(result.stderr.contains("signature"))
        #expect(try await run(["partners", "list"], env).stdout.isEmpty)
    }
}
