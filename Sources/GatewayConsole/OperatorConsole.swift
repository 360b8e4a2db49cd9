import Foundation
import GatewayStore
import Hummingbird
import Logging

/// The operator console: overview, jobs, sessions, Merchant Gateways, settlement and audit pages on their own
/// listener, behind the operator token. `ocgate serve` runs it next to the acceptor when `admin.token` is set.
public struct OperatorConsole: Sendable {
    public let settings: ConsoleSettings
    public let stores: GatewayStores
    public let gatewayName: String
    public let time: any TimeSource
    public let logger: Logger

    public init(
        settings: ConsoleSettings, stores: GatewayStores, gatewayName: String, time: any TimeSource = SystemTime(),
        logger: Logger
    ) {
        self.settings = settings
        self.stores = stores
        self.gatewayName = gatewayName
        self.time = time
        self.logger = logger
    }

    /// The console's router with every page and action; the tests drive it directly.
    public func makeRouter() -> Router<ConsoleRequestContext> {
        let renderer = ConsoleRenderer(gatewayName: gatewayName)
        let logins = ConsoleLogins(ttl: settings.sessionTTL, time: time)
        let kit = PageKit(renderer: renderer, logins: logins)
        let actions = ConsoleActions(stores: stores, time: time, logger: logger)
        let router = Router(context: ConsoleRequestContext.self)
        router.add(middleware: ConsoleErrors(renderer: renderer))
        router.add(middleware: ConsoleAccess(logins: logins))
        LoginRoutes(
            token: OperatorToken(settings.token), settings: settings, logins: logins,
            throttle: LoginThrottle(limit: settings.loginAttempts, time: time), actions: actions, renderer: renderer
        ).register(on: router)
        OverviewPage(stores: stores, actions: actions, time: time, kit: kit).register(on: router)
        JobsPages(stores: stores, actions: actions, kit: kit).register(on: router)
        SessionsPages(stores: stores, actions: actions, kit: kit).register(on: router)
        GatewaysPage(stores: stores, actions: actions, time: time, kit: kit).register(on: router)
        SettlementPages(stores: stores, kit: kit).register(on: router)
        AuditPage(stores: stores, kit: kit).register(on: router)
        return router
    }

    /// The console as a service of `ocgate serve`'s group: it stops with the acceptor.
    /// - Parameter onServerRunning: called with the bound port once the console listens.
    public func makeApplication(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let port = settings.port
        return Application(
            router: makeRouter(),
            configuration: ApplicationConfiguration(
                address: .hostname(settings.host, port: port), serverName: "ocgate-console"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }
}
