import GatewayConfig
import Testing

@Suite("OCGATE_* environment overrides")
struct EnvironmentOverrideTests {
    @Test func integerReplacesTheFileValue() throws {
        let config = try ConfigFixture.load(ConfigFixture.requiredOnly + "[http]\nport = 8080\n", environment: ["OCGATE_HTTP_PORT": "9090"])
        #expect(config.http.port == 9090)
    }

    @Test func ocidFromTheEnvironment() throws {
        let config = try ConfigFixture.load(environment: ["OCGATE_GATEWAY_OCID": "18446744073709551615"])
        #expect(config.gateway.ocid == UInt64.max)
    }

    @Test func string() throws {
        let config = try ConfigFixture.load(environment: ["OCGATE_GATEWAY_NAME": "Gateway from env"])
        #expect(config.gateway.name == "Gateway from env")
    }

    @Test(arguments: [("true", true), ("false", false)])
    func boolean(text: String, value: Bool) throws {
        let config = try ConfigFixture.load(environment: ["OCGATE_PARTNERS_OPEN": text])
        #expect(config.partners.open == value)
    }

    @Test(arguments: [
        ("500ms", Duration.milliseconds(500)), ("30s", .seconds(30)), ("10m", .seconds(600)),
        ("72h", .seconds(72 * 3600)), ("1d", .seconds(86400)), ("45", .seconds(45)),
    ])
    func duration(text: String, value: Duration) throws {
        let config = try ConfigFixture.load(environment: ["OCGATE_DELIVERY_GIVE_UP_AFTER": text])
        #expect(config.delivery.giveUpAfter == value)
    }

    @Test func lists() throws {
        let config = try ConfigFixture.load(environment: [
            "OCGATE_GATEWAY_CURRENCIES": "USD, EUR",
            "OCGATE_DELIVERY_SCHEDULE": "1s,5s,1m",
            "OCGATE_OUTBOUND_ALLOW_HOSTS": "",
        ])
        #expect(config.gateway.currencies == ["USD", "EUR"])
        #expect(config.delivery.schedule == [.seconds(1), .seconds(5), .seconds(60)])
        #expect(config.outbound.allowHosts == [])
    }

    @Test(arguments: [("65536", 65536), ("64KiB", 65536), ("1MiB", 1_048_576), ("2GiB", 2 << 30)])
    func size(text: String, bytes: Int) throws {
        let config = try ConfigFixture.load(environment: ["OCGATE_HTTP_BODY_LIMIT": text])
        #expect(config.http.bodyLimit == bytes)
    }

    @Test func sectionWithUnderscore() throws {
        let config = try ConfigFixture.load(environment: [
            "OCGATE_RATE_LIMIT_PER_SECOND": "12.5", "OCGATE_RATE_LIMIT_ENABLED": "true",
        ])
        #expect(config.rateLimit.perSecond == 12.5)
        #expect(config.rateLimit.enabled)
    }

    @Test func enumerations() throws {
        let config = try ConfigFixture.load(environment: [
            "OCGATE_STORE_DURABILITY": "normal", "OCGATE_LOG_FORMAT": "json", "OCGATE_LOG_LEVEL": "debug",
        ])
        #expect(config.store.durability == .normal)
        #expect(config.log == LogSection(format: .json, level: "debug"))
    }

    @Test func emptyValueUnsetsAnOptionalKey() throws {
        let file = ConfigFixture.requiredOnly + "[registry]\nindex_url = \"https://index.example\"\n"
        #expect(try ConfigFixture.load(file).registry.indexURL == "https://index.example")
        #expect(try ConfigFixture.load(file, environment: ["OCGATE_REGISTRY_INDEX_URL": ""]).registry.indexURL == nil)
    }

    @Test func environmentAloneCanSupplyRequiredKeys() throws {
        let config = try ConfigFixture.load(
            "", environment: [
                "OCGATE_GATEWAY_OCID": "7", "OCGATE_GATEWAY_NAME": "container gateway",
                "OCGATE_GATEWAY_KEY_FILE": "/run/secrets/key", "OCGATE_GATEWAY_PUBLIC_URL": "https://pay.example/ocgate",
                "OCGATE_GATEWAY_CURRENCIES": "UGX", "OCGATE_HTTP_BASE_PATH": "/ocgate",
            ])
        #expect(config.gateway.ocid == 7)
        #expect(config.gateway.publicURL == "https://pay.example/ocgate")
        #expect(config.http.basePath == "/ocgate")
    }

    @Test func configPathVariableAndOtherPrefixesAreIgnored() throws {
        let config = try ConfigFixture.load(environment: ["OCGATE_CONFIG": "/etc/ocgate.toml", "OCGATEWAY": "x", "PATH": "/bin"])
        #expect(config.http.port == 8080)
    }
}
