import Foundation
import GatewayConfig
import Testing

/// Only a default file may be missing; a file someone named must exist (issue 18, item 5).
@Suite("default and named files")
struct DefaultFilesTests {
    static let required = [
        "OCGATE_GATEWAY_OCID": "200", "OCGATE_GATEWAY_NAME": "env gateway", "OCGATE_GATEWAY_KEY_FILE": "gateway.key",
        "OCGATE_GATEWAY_PUBLIC_URL": "https://pay.example", "OCGATE_GATEWAY_CURRENCIES": "USD",
    ]
    static let missing = "/nonexistent/ocgate-\(UUID().uuidString).toml"

    @Test func theOptionWinsOverTheVariableAndEitherMustExist() throws {
        let environment = ["OCGATE_CONFIG": "from-env.toml"]
        #expect(try ConfigFile.choose(named: "from-option.toml", environment: environment) == .path("from-option.toml"))
        #expect(try ConfigFile.choose(named: nil, environment: environment) == .path("from-env.toml"))
        let error = #expect(throws: ConfigError.self) {
            try GatewayConfiguration.load(ConfigFile.choose(named: Self.missing, environment: [:]), environment: Self.required)
        }
        #expect(error?.description == "config: file \(Self.missing): file not found")
    }

    @Test func anEmptyNameIsRefused() {
        #expect(throws: ConfigError(key: "", source: "--config", problem: "the file name is empty")) {
            try ConfigFile.choose(named: "", environment: [:])
        }
        #expect(throws: ConfigError(key: "", source: "env OCGATE_CONFIG", problem: "the file name is empty")) {
            try ConfigFile.choose(named: nil, environment: ["OCGATE_CONFIG": ""])
        }
    }

    @Test func theDefaultFileIsReadWhenItExistsAndMayBeMissing() throws {
        let shipped = ConfigFixture.shippedConfigPath
        #expect(try ConfigFile.choose(named: nil, environment: [:], defaultPath: shipped) == .path(shipped))
        #expect(try ConfigFile.choose(named: nil, environment: [:], defaultPath: Self.missing) == .missingDefault(Self.missing))
    }

    @Test func withoutAFileTheEnvironmentAndTheDefaultsAreTheConfiguration() throws {
        let config = try GatewayConfiguration.load(
            .missingDefault("config/ocgate.toml"), environment: Self.required.merging(["OCGATE_HTTP_PORT": "9090"]) { $1 })
        #expect(config.gateway.name == "env gateway")
        #expect(config.http.port == 9090)
        #expect(config.spool.dir == "spool")
        #expect(config.registry == RegistrySection())
        #expect(!config.registry.fileIsNamed)
    }

    @Test func withoutAFileAMissingKeyNamesItsVariable() {
        var environment = Self.required
        environment["OCGATE_GATEWAY_PUBLIC_URL"] = nil
        #expect(
            throws: ConfigError(
                key: "gateway.public_url", source: "no config file, config/ocgate.toml does not exist",
                problem: "required key is missing (set it with OCGATE_GATEWAY_PUBLIC_URL)")
        ) {
            try GatewayConfiguration.load(.missingDefault("config/ocgate.toml"), environment: environment)
        }
    }

    @Test func onlyASetRegistryFileIsNamed() throws {
        #expect(!RegistrySection().fileIsNamed)
        #expect(RegistrySection().file == RegistrySection.defaultFile)
        let named = RegistrySection(file: Self.missing)
        #expect(named.fileIsNamed)
        #expect(throws: ConfigError(key: "", source: "file \(Self.missing)", problem: "file not found")) {
            try named.entries()
        }
        // Setting it in code names it too (the demo points it at its own map).
        var set = RegistrySection()
        set.file = RegistrySection.defaultFile
        #expect(set.fileIsNamed)
    }

    @Test("registry.file set anywhere names it, so it must exist", arguments: ["env", "file"])
    func aNamedRegistryMustExist(source: String) throws {
        let text = ConfigFixture.requiredOnly + (source == "file" ? "[registry]\nfile = \"\(Self.missing)\"\n" : "")
        let environment = source == "env" ? ["OCGATE_REGISTRY_FILE": Self.missing] : [:]
        let config = try ConfigFixture.load(text, environment: environment)
        #expect(config.registry.fileIsNamed)
        #expect(throws: ConfigError.self) { try config.registry.entries() }
    }
}
