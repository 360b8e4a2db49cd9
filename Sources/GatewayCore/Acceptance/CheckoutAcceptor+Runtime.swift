import GatewayConfig
import GatewayStore
import Logging
import Opencharge

extension CheckoutAcceptor: CheckoutValidator {
    /// The acceptor for one process: `gateway`'s peers, nonce store and partner list, its sessions store.
    public init(gateway: Gateway, logger: Logger) {
        let configuration = gateway.configuration
        let stores = gateway.stores
        let time = gateway.time
        let rateLimit = configuration.rateLimit
        self.init(
            identity: gateway.identity, checkout: configuration.checkout,
            authenticator: RequestAuthenticator(
                configuration: configuration, directory: gateway.peers, nonces: stores.nonces,
                partners: stores.partners, time: time, logger: logger),
            peers: gateway.peers, sessions: stores.sessions,
            drain: DrainState(queue: stores.jobs, time: time),
            rateLimiter: rateLimit.enabled ? RateLimiter(perSecond: rateLimit.perSecond, burst: rateLimit.burst, time: time) : nil,
            checkoutURL: gateway.checkoutURL, time: time, logger: logger)
    }

    /// An inbox file is judged exactly like the HTTP request it carries.
    public func validate(headers: [String: String], path: String, body: [UInt8]) async -> AcceptanceResult {
        await accept(IncomingRequest(method: "POST", target: path, headers: headers, body: body))
    }
}
