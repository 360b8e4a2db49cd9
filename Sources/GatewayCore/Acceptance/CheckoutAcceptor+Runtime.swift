import GatewayConfig
import GatewayStore
import Logging
import Opencharge

extension CheckoutAcceptor: CheckoutValidator {
    /// The acceptor for one process on `runtime`'s spool: peers resolved through `registry.*` with the
    /// outbound policy, the shared nonce store and partner list, sessions group-committed.
    public init(runtime: GatewayRuntime, identity: GatewayIdentity, logger: Logger) throws(GatewayStartupError) {
        let configuration = runtime.configuration
        let client = MetadataDirectory.outboundClient(configuration.outbound, logger: logger)
        let directory: MetadataDirectory
        do {
            directory = try MetadataDirectory(
                configuration: configuration, client: client, database: runtime.database, time: runtime.time, logger: logger)
        } catch {
            throw .configuration(error.description)
        }
        let rateLimit = configuration.rateLimit
        self.init(
            identity: identity, checkout: configuration.checkout,
            authenticator: RequestAuthenticator(
                configuration: configuration, directory: directory, database: runtime.database, time: runtime.time,
                logger: logger),
            peers: directory, sessions: CheckoutSessionStore(database: runtime.database, queue: runtime.queue),
            drain: DrainState(queue: runtime.queue, time: runtime.time),
            rateLimiter: rateLimit.enabled
                ? RateLimiter(perSecond: rateLimit.perSecond, burst: rateLimit.burst, time: runtime.time) : nil,
            time: runtime.time, logger: logger)
    }

    /// An inbox file is judged exactly like the HTTP request it carries.
    public func validate(headers: [String: String], path: String, body: [UInt8]) async -> (status: Int, body: [UInt8]) {
        let result = await accept(IncomingRequest(method: "POST", target: path, headers: headers, body: body))
        return (result.status, CanonicalJSON.encode(result.body))
    }
}
