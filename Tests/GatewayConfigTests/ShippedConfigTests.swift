import Foundation
import GatewayConfig
import Testing

@Suite("The shipped config/ocgate.toml")
struct ShippedConfigTests {
    let config: GatewayConfiguration

    init() throws {
        config = try GatewayConfiguration.load(path: ConfigFixture.shippedConfigPath, environment: [:])
    }

    @Test func identifiesTheDemoGateway() {
        #expect(config.gateway.ocid == 200)
        #expect(config.gateway.name == "ocgate demo gateway")
        #expect(config.gateway.keyFile == "spool/gateway.key")
        #expect(config.gateway.publicURL == "http://127.0.0.1:8080")
        #expect(config.gateway.currencies == ["USD", "EUR", "UGX"])
        #expect(config.gateway.previousKey == nil)
        #expect(config.gateway.keyRotatedAt == nil)
    }

    @Test func listensOnLoopbackWithLocalFiles() {
        #expect(config.http == HTTPSection(host: "127.0.0.1", port: 8080, bodyLimit: 65536, basePath: ""))
        #expect(config.spool.dir == "spool")
        #expect(config.registry == RegistrySection(file: "config/registry.toml", indexURL: nil))
        #expect(config.partners.open == false)
        #expect(config.payment == PaymentSection(backend: .sandbox))
        #expect(config.store == StoreSection(durability: .full, busyTimeout: .seconds(5)))
    }

    @Test func writesOutEveryDefault() {
        #expect(config.checkout == CheckoutSection(sessionTTL: .seconds(1800), requireGatewayInAccepts: true, legacyCanonical: true))
        #expect(
            config.delivery.schedule == [
                .seconds(10), .seconds(30), .seconds(120), .seconds(600), .seconds(1800), .seconds(3600), .seconds(21600),
            ])
        #expect(config.delivery.giveUpAfter == .seconds(72 * 3600))
        #expect(config.delivery.timeout == .seconds(10))
        #expect(config.delivery.jitter == 0.2)
        #expect(config.delivery.breakerThreshold == 20)
        #expect(config.delivery.breakerPause == .seconds(60))
        #expect(
            config.outbound
                == OutboundSection(
                    allowHosts: [], allowLoopback: true, metadataTimeout: .seconds(5), metadataCacheTTL: .seconds(300),
                    maxResponseBytes: 1_048_576))
        #expect(config.log == LogSection(format: .text, level: "info"))
        #expect(config.rateLimit == RateLimitSection(enabled: false, perSecond: 100, burst: 200))
        #expect(config.workers == WorkersSection(concurrency: 256, pollInterval: .seconds(1)))
        #expect(config.settlement.requireAccepted == true)
    }

    @Test func matchesTheDefaultsInCode() {
        let inCode = GatewayConfiguration(
            gateway: GatewaySection(
                ocid: 200, name: "ocgate demo gateway", keyFile: "spool/gateway.key",
                publicURL: "http://127.0.0.1:8080", currencies: ["USD", "EUR", "UGX"]),
            // The file writes the default path out, which names it: with the shipped file it must exist.
            registry: RegistrySection(file: RegistrySection.defaultFile))
        #expect(config == inCode)
        #expect(config.registry.fileIsNamed)
    }

    @Test func listsEveryKeyInFileOrder() {
        let values = config.effectiveValues()
        #expect(values.count == 64)
        #expect(values.first?.key == "gateway.ocid")
        #expect(values.last?.key == "settlement.notify")
        let byKey = Dictionary(uniqueKeysWithValues: values.map { ($0.key, $0.value) })
        #expect(byKey["gateway.currencies"] == "USD,EUR,UGX")
        #expect(byKey["http.body_limit"] == "64KiB")
        #expect(byKey["http.bench_ceiling"] == "false", "the checks-only benchmark route is off as shipped")
        #expect(byKey["store.backend"] == "sqlite")
        #expect(byKey["log.access"] == "true", "the access log is on as shipped")
        #expect(byKey["store.postgres_url"] == "")
        #expect(byKey["store.pool_size"] == "10")
        #expect(byKey["store.statement_timeout"] == "30s")
        #expect(byKey["delivery.schedule"] == "10s,30s,2m,10m,30m,1h,6h")
        #expect(byKey["workers.session_expire_every"] == "30s")
        #expect(byKey["checkout.redirect_wait"] == "2s")
        #expect(byKey["workers.job_retention"] == "168h")
        #expect(byKey["settlement.notify"] == "")
        #expect(byKey["delivery.give_up_after"] == "72h")
        #expect(byKey["gateway.previous_key_grace"] == "24h")
        #expect(byKey["rate_limit.per_second"] == "100.0")
        #expect(byKey["registry.index_url"] == "")
        #expect(byKey["payment.http_auth_header"] == "")
        #expect(byKey["admin.token"] == "", "the console is off as shipped")
        #expect(byKey["admin.host"] == "127.0.0.1")
    }

    @Test func effectiveValuesLoadBackUnchanged() throws {
        // Every value is printed as an OCGATE_* variable holds it, so feeding them back changes nothing.
        var environment: [String: String] = [:]
        for (key, value) in config.effectiveValues() {
            environment["OCGATE_" + key.replacingOccurrences(of: ".", with: "_").uppercased()] = value
        }
        let reloaded = try GatewayConfiguration.load(path: ConfigFixture.shippedConfigPath, environment: environment)
        #expect(reloaded == config)
    }

    @Test func registryListsTheDemoPeers() throws {
        let registry = try RegistryFile.load(path: ConfigFixture.shippedRegistryPath)
        #expect(registry == [300: "http://127.0.0.1:8081/metadata.json", 500: "http://127.0.0.1:8082/metadata.json"])
    }
}
