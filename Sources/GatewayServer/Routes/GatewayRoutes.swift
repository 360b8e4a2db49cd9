import Hummingbird

/// Every route set of one server. Registered once at the root and, with `http.base_path`, once more under it:
/// the same handlers answer `/checkout/create` and `/opencharge/checkout/create`.
struct GatewayRoutes: Sendable {
    let metrics: MetricsRoutes
    let `public`: PublicRoutes
    let verify: VerifyRoutes
    /// The routes that need an acceptor; nil serves only the public ones.
    var checkout: CheckoutRoutes?
    var capabilities: CapabilitiesRoutes?
    var orders: OrderRoutes?
    var pay: PayRoutes?

    init(metrics: MetricsRoutes, public: PublicRoutes, verify: VerifyRoutes) {
        self.metrics = metrics
        self.public = `public`
        self.verify = verify
    }

    func register(on router: some RouterMethods<GatewayRequestContext>) {
        metrics.register(on: router)
        `public`.register(on: router)
        verify.register(on: router)
        checkout?.register(on: router)
        capabilities?.register(on: router)
        orders?.register(on: router)
        pay?.register(on: router)
    }
}
