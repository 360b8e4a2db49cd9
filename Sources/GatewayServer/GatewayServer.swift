import Foundation
import GatewayCore
import GatewayStore
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle

/// Where and how the acceptor listens.
public struct ServerSettings: Sendable {
    public var host: String
    public var port: Int
    /// Largest request body accepted; larger bodies are refused before they are parsed.
    public var bodyLimit: Int
    /// Serve `POST /bench/checkout-checked` (every checkout check, nothing stored); only `ocgate bench` sets it.
    public var benchmarkCeiling: Bool
    /// `log.access`: one `request` line per answered request.
    public var accessLog: Bool
    /// `http.base_path`: every route is served under it as well as without it, so a proxy may pass the prefix on
    /// or strip it. Empty: routes are served at the root only.
    public var basePath: String

    public init(
        host: String, port: Int, bodyLimit: Int, basePath: String = "", benchmarkCeiling: Bool = false,
        accessLog: Bool = true
    ) {
        self.host = host
        self.port = port
        self.bodyLimit = bodyLimit
        self.basePath = basePath
        self.benchmarkCeiling = benchmarkCeiling
        self.accessLog = accessLog
    }
}

/// The HTTP acceptor: the Hummingbird application that `ocgate serve` runs.
public struct GatewayServer: Sendable {
    public let settings: ServerSettings
    public let identity: GatewayIdentity
    public let stores: GatewayStores
    /// Accepts checkouts; nil serves only the public routes.
    public let acceptor: CheckoutAcceptor?
    /// Charges on the hosted page; nil is the sandbox. `PaymentBackends.make` gives the configured one.
    public let paymentBackend: (any PaymentBackend)?
    /// Finishes charges taken at once inside the pay request before the browser is sent on (`AfterPayment(gateway:
    /// logger:)`); nil leaves them to the workers, the browser sent on at once (rigs testing the page alone).
    public let afterPayment: AfterPayment?
    public let time: any TimeSource
    /// Exposed at `/metrics`; the process's swift-metrics factory should write into it.
    public let metrics: PrometheusCollectorRegistry
    /// Run alongside the server in its service group (the embedded workers), stopped with it.
    public let services: [any Service]
    public let logger: Logger

    public init(
        settings: ServerSettings, identity: GatewayIdentity, stores: GatewayStores,
        acceptor: CheckoutAcceptor?, paymentBackend: (any PaymentBackend)? = nil, afterPayment: AfterPayment? = nil,
        metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), time: any TimeSource = SystemTime(),
        services: [any Service] = [], logger: Logger
    ) {
        self.paymentBackend = paymentBackend
        self.afterPayment = afterPayment
        self.metrics = metrics
        self.acceptor = acceptor
        self.settings = settings
        self.identity = identity
        self.stores = stores
        self.time = time
        self.services = services
        self.logger = logger
    }

    /// - Parameter onServerRunning: called with the bound port once the server listens (port 0 picks a free one).
    public func makeApplication(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let time = self.time
        let responder = SignedResponder(identity: identity, now: { time.now() })
        let router = Router(context: GatewayRequestContext.self)
        router.add(middleware: MetricsMiddleware())
        if settings.accessLog { router.add(middleware: RequestLogMiddleware()) }
        router.add(middleware: ErrorMiddleware(responder: responder))
        let routes = makeRoutes(responder: responder)
        routes.register(on: router)
        if !settings.basePath.isEmpty { routes.register(on: router.group(RouterPath(settings.basePath))) }
        let port = settings.port
        return Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(settings.host, port: port), serverName: "ocgate"),
            services: services,
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    /// Every route set this server answers with, built once and registered at each mount point.
    private func makeRoutes(responder: SignedResponder) -> GatewayRoutes {
        // Scrape-time sources: each is read from the database just before /metrics answers.
        let sampler = ScrapeSampler(
            sources: [JobQueueGauges(queue: stores.jobs), SettlementGauges(settlement: stores.settlement)], registry: metrics,
            time: time, logger: logger)
        var routes = GatewayRoutes(
            metrics: MetricsRoutes(registry: metrics, sampler: sampler),
            public: PublicRoutes(identity: identity, stores: stores, responder: responder, time: time),
            verify: VerifyRoutes(proofs: stores.proofs, responder: responder))
        if let acceptor {
            routes.checkout = CheckoutRoutes(
                acceptor: acceptor, responder: responder, bodyLimit: settings.bodyLimit,
                benchmarkCeiling: settings.benchmarkCeiling)
            routes.capabilities = CapabilitiesRoutes(identity: identity, authenticator: acceptor.authenticator, responder: responder)
            routes.orders = OrderRoutes(
                lookup: OrderStatusLookup(sessions: stores.sessions, proofs: stores.proofs, time: acceptor.time),
                authenticator: acceptor.authenticator, responder: responder)
            let checkout = HostedCheckout(
                stores: stores, peers: acceptor.peers, backend: paymentBackend, identity: identity, time: acceptor.time,
                afterPayment: afterPayment)
            routes.pay = PayRoutes(
                checkout: checkout, gatewayName: identity.name, publicURL: identity.publicURL, responder: responder)
        }
        return routes
    }

    /// Serves until SIGTERM or SIGINT, then shuts down gracefully: stops accepting, finishes in-flight
    /// requests, and stops the attached services.
    public func run(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await makeApplication(onServerRunning: onServerRunning).runService()
    }
}
