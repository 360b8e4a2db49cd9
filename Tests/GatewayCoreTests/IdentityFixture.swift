import GatewayConfig

/// Configurations for identity tests: only the gateway section matters.
enum IdentityFixture {
    static func configuration(
        keyFile: String, previousKey: String? = nil, keyRotatedAt: Int64? = nil, grace: Duration = .seconds(24 * 3600)
    ) -> GatewayConfiguration {
        GatewayConfiguration(
            gateway: GatewaySection(
                ocid: 200, name: "Demo", keyFile: keyFile, publicURL: "https://pg.example", currencies: ["USD"],
                previousKey: previousKey, keyRotatedAt: keyRotatedAt, previousKeyGrace: grace))
    }
}
