import Foundation
import GatewayCore
import GatewayStore
import Hummingbird
import Logging

/// Where and how the acceptor listens.
public struct ServerSettings: Sendable {
    public var host: String
    public var port: Int
    /// Largest request body accepted; larger bodies are refused before they are parsed.
    public var bodyLimit: Int

    public init(host: String, port: Int, bodyLimit: Int) {
        self.host = host
        self.port = port
        self.bodyLimit = bodyLimit
    }
}

/// The HTTP acceptor: builds the Hummingbird application that `ocgate serve` runs.
public enum GatewayServer {
    /// - Parameters:
    ///   - onServerRunning: called with the bound port once the server listens (port 0 picks a free one).
    public static func makeApplication(
        settings: ServerSettings, identity: GatewayIdentity, database: GatewayDatabase, queue: any JobQueue,
        time: any TimeSource = SystemTime(), services: [any Service] = [], logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let responder = SignedResponder(identity: identity, now: { time.now() })
        let router = Router()
        router.add(middleware: ErrorMiddleware(responder: responder))
        PublicRoutes(identity: identity, database: database, queue: queue, responder: responder).register(on: router)
        return Application(
            router: router,
            configuration: ApplicationConfiguration(
                address: .hostname(settings.host, port: settings.port), serverName: "ocgate"),
            services: services,
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? settings.port) },
            logger: logger)
    }
}
