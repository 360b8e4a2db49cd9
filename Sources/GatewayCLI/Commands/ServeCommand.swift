import ArgumentParser
import Foundation
import GatewayConfig
import GatewayConsole
import GatewayCore
import GatewayServer
import GatewayStore
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// `ocgate serve`: the acceptor, and unless `--no-workers`, the workers in the same process.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the gateway: the HTTP acceptor and (unless --no-workers) the job workers.")

    @OptionGroup var config: ConfigOptions

    @Flag(help: "Run the HTTP acceptor only; run `ocgate work` elsewhere for the jobs.")
    var noWorkers = false

    func run() async throws {
        let configuration = try config.load()
        let logger = GatewayLogging.logger(configuration, label: "ocgate.serve")
        let gateway = try RuntimeOptions.gateway(configuration, logger: logger)
        let identity = gateway.identity
        let acceptor = CheckoutAcceptor(gateway: gateway, logger: logger)
        let metrics = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))
        // The storage's services first: they stop last, once the server and the workers have finished writing.
        var services = gateway.runtime.services
        if !noWorkers {
            services.append(gateway.worker(acceptor: acceptor, logger: logger))
            services.append(GatewayJobs.scheduler(gateway.runtime, logger: logger))
        }
        if let console = Self.console(configuration, gateway: gateway, logger: logger) {
            services.append(console)
        }
        let settings = ServerSettings(
            host: configuration.http.host, port: configuration.http.port, bodyLimit: configuration.http.bodyLimit,
            basePath: configuration.http.basePath, benchmarkCeiling: configuration.http.benchCeiling,
            accessLog: configuration.log.access)
        if settings.benchmarkCeiling {
            logger.warning("http.bench_ceiling is on: POST /bench/checkout-checked answers checks-only benchmark requests")
        }
        let server = GatewayServer(
            settings: settings, identity: identity, stores: gateway.stores, acceptor: acceptor,
            paymentBackend: gateway.payments, afterPayment: AfterPayment(gateway: gateway, logger: logger), metrics: metrics, time: gateway.time, services: services, logger: logger)
        try await server.run(onServerRunning: { port in
                logger.notice(
                    "ocgate listening",
                    metadata: [
                        "address": "http://\(settings.host):\(port)", "ocid": "\(identity.ocid)",
                        "spool": "\(configuration.spool.dir)", "workers": "\(!noWorkers)",
                    ])
            })
    }

    /// The operator console on its own listener, or nil (with one notice saying so) while `admin.token` is unset.
    static func console(_ configuration: GatewayConfiguration, gateway: Gateway, logger: Logger) -> (any Service)? {
        let admin = configuration.admin
        guard let token = admin.token else {
            logger.notice("operator console is off: set admin.token (OCGATE_ADMIN_TOKEN) to serve it")
            return nil
        }
        let settings = ConsoleSettings(
            host: admin.host, port: admin.port, token: token, sessionTTL: admin.sessionTTL,
            loginAttempts: admin.loginAttempts, secureCookie: configuration.gateway.publicURL.lowercased().hasPrefix("https:"))
        let console = OperatorConsole(
            settings: settings, stores: gateway.stores, gatewayName: gateway.identity.name, time: gateway.time, logger: logger)
        return console.makeApplication(onServerRunning: { port in
            logger.notice("operator console listening", metadata: ["address": "http://\(admin.host):\(port)"])
        })
    }
}
