import Foundation

/// Everything `ocgate` is configured with: the TOML file at `config/ocgate.toml` (or `--config`),
/// with any key overridden by an `OCGATE_<SECTION>_<KEY>` environment variable.
///
/// Paths (`gateway.key_file`, `spool.dir`, `registry.file`) are kept as written; a relative path is
/// resolved against the working directory by whoever opens it.
public struct GatewayConfiguration: Sendable, Equatable {
    /// Identity on the network: `[gateway]`.
    public var gateway: GatewaySection
    /// The acceptor's listener: `[http]`.
    public var http: HTTPSection
    /// The operator console's listener: `[admin]`.
    public var admin: AdminSection
    /// Where state and file drops live: `[spool]`.
    public var spool: SpoolSection
    /// How peer OCIDs resolve: `[registry]`.
    public var registry: RegistrySection
    /// Which MGs may call: `[partners]`.
    public var partners: PartnersSection
    /// Checkout session rules: `[checkout]`.
    public var checkout: CheckoutSection
    /// Webhook delivery and retries: `[delivery]`.
    public var delivery: DeliverySection
    /// The payment backend: `[payment]`.
    public var payment: PaymentSection
    /// The SQLite store: `[store]`.
    public var store: StoreSection
    /// Policy for outbound calls: `[outbound]`.
    public var outbound: OutboundSection
    /// Logging: `[log]`.
    public var log: LogSection
    /// Per-caller rate limiting: `[rate_limit]`.
    public var rateLimit: RateLimitSection
    /// Job workers: `[workers]`.
    public var workers: WorkersSection
    /// What settlement runs include: `[settlement]`.
    public var settlement: SettlementSection

    /// Makes a configuration in code (tests, embedding); every section but `gateway` defaults.
    public init(
        gateway: GatewaySection, http: HTTPSection = .init(), admin: AdminSection = .init(), spool: SpoolSection = .init(),
        registry: RegistrySection = .init(), partners: PartnersSection = .init(),
        checkout: CheckoutSection = .init(), delivery: DeliverySection = .init(),
        payment: PaymentSection = .init(), store: StoreSection = .init(), outbound: OutboundSection = .init(),
        log: LogSection = .init(), rateLimit: RateLimitSection = .init(), workers: WorkersSection = .init(),
        settlement: SettlementSection = .init()
    ) {
        self.gateway = gateway
        self.http = http
        self.admin = admin
        self.spool = spool
        self.registry = registry
        self.partners = partners
        self.checkout = checkout
        self.delivery = delivery
        self.payment = payment
        self.store = store
        self.outbound = outbound
        self.log = log
        self.rateLimit = rateLimit
        self.workers = workers
        self.settlement = settlement
    }

    /// Where the command line looks for the file when neither `--config` nor `OCGATE_CONFIG` is given.
    public static let defaultPath = "config/ocgate.toml"
    /// The environment variable naming the file: reserved for the command line, never a setting.
    public static let pathVariable = "OCGATE_CONFIG"
    /// The environment variable that stops a process at a named point for the crash tests (see
    /// `SettlementFailpoint`): never a setting.
    public static let failpointVariable = "OCGATE_FAILPOINT"
    /// OCGATE_* variables that are not settings.
    static let reservedVariables: Set<String> = [pathVariable, failpointVariable]

    /// Loads the file at `path`, applies OCGATE_* overrides from `environment`, validates everything.
    ///
    /// `OCGATE_CONFIG` is left alone: it names the file, and the command line reads it.
    /// - Throws: the first problem found, as a `ConfigError` naming the key and where its value came from.
    public static func load(path: String, environment: [String: String]) throws(ConfigError) -> GatewayConfiguration {
        try load(.path(path), environment: environment)
    }

    /// Loads `file` (nothing for `.missingDefault`), applies OCGATE_* overrides from `environment`, validates everything.
    /// - Throws: the first problem found, as a `ConfigError` naming the key and where its value came from.
    public static func load(_ file: ConfigFile, environment: [String: String]) throws(ConfigError) -> GatewayConfiguration {
        let settings = try SettingsInput(
            file: file, environment: environment,
            schema: sectionTypes.map { (section: $0.name, keys: $0.keyNames) })
        let configuration = try GatewayConfiguration(
            gateway: .init(reading: settings), http: .init(reading: settings), admin: .init(reading: settings),
            spool: .init(reading: settings),
            registry: .init(reading: settings), partners: .init(reading: settings),
            checkout: .init(reading: settings), delivery: .init(reading: settings),
            payment: .init(reading: settings), store: .init(reading: settings),
            outbound: .init(reading: settings), log: .init(reading: settings),
            rateLimit: .init(reading: settings), workers: .init(reading: settings),
            settlement: .init(reading: settings))
        try configuration.checkBasePath(in: settings)
        return configuration
    }

    /// Every effective key = value (dotted TOML names, in file order), secrets (payment.http_auth_header) shown as "<redacted>".
    ///
    /// Values are written as an `OCGATE_*` variable would hold them (`30m`, `USD,EUR`, `64KiB`);
    /// an unset optional key has an empty value.
    public func effectiveValues() -> [(key: String, value: String)] {
        sections.flatMap(\.effectiveValues)
    }

    /// Every section type: a section missing here would have all its keys refused as unknown.
    private static var sectionTypes: [any ConfigSection.Type] {
        [
            GatewaySection.self, HTTPSection.self, AdminSection.self, SpoolSection.self, RegistrySection.self, PartnersSection.self,
            CheckoutSection.self, DeliverySection.self, PaymentSection.self, StoreSection.self,
            OutboundSection.self, LogSection.self, RateLimitSection.self, WorkersSection.self,
            SettlementSection.self,
        ]
    }

    /// The sections in file order, as `effectiveValues()` lists them.
    private var sections: [any ConfigSection] {
        [gateway, http, admin, spool, registry, partners, checkout, delivery, payment, store, outbound, log, rateLimit, workers, settlement]
    }

    /// The base path is where the gateway sits under `public_url`, so it must begin that URL's path.
    private func checkBasePath(in settings: SettingsInput) throws(ConfigError) {
        let publicPath = URLComponents(string: gateway.publicURL)?.path ?? ""
        let base = http.basePath
        guard !base.isEmpty else { return }
        guard publicPath == base || publicPath.hasPrefix(base + "/") else {
            throw ConfigError(
                key: "http.base_path", source: settings.source(of: "http.base_path"),
                problem: "\"\(base)\" is not a prefix of the path of gateway.public_url (\"\(publicPath)\")")
        }
    }
}
