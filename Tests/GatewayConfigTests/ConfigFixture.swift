import Foundation
import GatewayConfig

/// Configuration files for tests: the shipped ones, and small ones written to a temporary folder.
enum ConfigFixture {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var shippedConfigPath: String { packageRoot.appendingPathComponent("config/ocgate.toml").path }
    static var shippedRegistryPath: String { packageRoot.appendingPathComponent("config/registry.toml").path }

    /// The smallest valid file: the `[gateway]` keys every installation must set.
    static let requiredOnly = """
        [gateway]
        ocid = 200
        name = "test gateway"
        key_file = "spool/gateway.key"
        public_url = "https://pay.example"
        currencies = ["USD"]

        """

    /// Writes `text` to a new file under the temporary folder and returns its path.
    static func write(_ text: String, name: String = "ocgate.toml") throws -> String {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("ocgate-config-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent(name)
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    /// Loads `text` (by default the required keys alone) with `environment` on top.
    static func load(_ text: String = requiredOnly, environment: [String: String] = [:]) throws -> GatewayConfiguration {
        try GatewayConfiguration.load(path: write(text), environment: environment)
    }

    /// The error loading `text` with `environment` gives, or nil when it loads.
    static func failure(_ text: String = requiredOnly, environment: [String: String] = [:]) throws -> ConfigError? {
        let path = try write(text)
        do {
            _ = try GatewayConfiguration.load(path: path, environment: environment)
            return nil
        } catch {
            return error
        }
    }
}
