import Foundation
import GatewayConfig
import GatewayCore
import GatewaySimulator
import GatewayStore
import Opencharge

/// What `bench serve` prepares before the served process starts: a fresh gateway key and spool in `directory`, the
/// simulated MG and merchant published on loopback with a registry file naming them, the MG added as a partner, and
/// the environment that points the served process at all of it (`ServedProcess` adds its port). The bench opens the
/// same spool to check the results.
struct ServeBenchSetup {
    let directory: URL
    let callers: SignedCheckouts
    /// The served process's environment: this one's, with the bench's `OCGATE_*` settings over it.
    let environment: [String: String]
    /// `serve`'s arguments after the verb: the configuration file, made absolute.
    let serveArguments: [String]
    let configDescription: String
    /// The spool's storage, opened by the bench as another process on the spool.
    let runtime: GatewayRuntime

    /// - Parameter configPath: `--config`, else `OCGATE_CONFIG`, else `config/ocgate.toml` when it exists.
    init(configPath: String?, directory: URL) async throws {
        self.directory = directory
        let keyFile = directory.appendingPathComponent("gateway.key").path
        try KeyFile.write(PrivateKey.generate(), to: keyFile, replacing: false)
        let registry = directory.appendingPathComponent("registry.toml")
        try Data().write(to: registry)  // filled once the configuration named the gateway's OCID

        var environment = ProcessInfo.processInfo.environment
        let file: ConfigFile
        do { file = try ConfigFile.choose(named: configPath, environment: environment) } catch {
            throw CommandFailure(error.description)
        }
        switch file {
        case .path(let path):
            let absolute = URL(fileURLWithPath: path).absoluteURL.path
            serveArguments = ["--config", absolute]
            configDescription = absolute
        case .missingDefault:
            serveArguments = []
            configDescription = "the built-in defaults"
        }
        environment.merge([
            "OCGATE_SPOOL_DIR": directory.appendingPathComponent("spool").path, "OCGATE_GATEWAY_KEY_FILE": keyFile,
            // `ServedProcess` adds the port and the public URL on it.
            "OCGATE_HTTP_HOST": "127.0.0.1", "OCGATE_HTTP_BASE_PATH": "", "OCGATE_HTTP_BENCH_CEILING": "true",
            "OCGATE_REGISTRY_FILE": registry.path, "OCGATE_REGISTRY_INDEX_URL": "",
            // The simulated peers are on loopback; the sandbox backend needs no processor.
            "OCGATE_OUTBOUND_ALLOW_LOOPBACK": "true", "OCGATE_PAYMENT_BACKEND": "sandbox",
        ]) { $1 }
        self.environment = environment

        let configuration: GatewayConfiguration
        do {
            // The served process reads the same file under the same environment, so both see one configuration.
            let absolute = serveArguments.last.map(ConfigFile.path) ?? file
            configuration = try GatewayConfiguration.load(absolute, environment: environment)
        } catch {
            throw CommandFailure(error.description)
        }
        callers = SignedCheckouts(gatewayOCID: configuration.gateway.ocid)
        try await MetadataServer.shared.publishRegistry(of: [callers.gateway.party, callers.merchant.party], to: registry)
        runtime = try RuntimeOptions.open(configuration)
        let mg = callers.gateway.party.metadata
        _ = try await runtime.stores.partners.add(
            Partner(
                ocid: mg.ocid, name: mg.name, publicKey: mg.publicKey.hex, endpoint: mg.endpoint, status: .enabled,
                addedAt: Date()))
    }
}
