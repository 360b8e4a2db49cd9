import ArgumentParser
import Foundation
import GatewayConfig
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
        let runtime: GatewayRuntime
        do { runtime = try GatewayRuntime(configuration: configuration) } catch { throw CommandFailure(error.description) }
        let identity: GatewayIdentity
        do { identity = try GatewayIdentity(configuration: configuration) } catch { throw CommandFailure(error.description) }

        let acceptor: CheckoutAcceptor
        do { acceptor = try CheckoutAcceptor(runtime: runtime, identity: identity, logger: logger) } catch {
            throw CommandFailure(error.description)
        }
        let metrics = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))
        var services: [any Service] = []
        if !noWorkers {
            services.append(runtime.worker(acceptor: acceptor, logger: logger))
            services.append(GatewayJobs.scheduler(runtime, logger: logger))
        }
        let settings = ServerSettings(
            host: configuration.http.host, port: configuration.http.port, bodyLimit: configuration.http.bodyLimit,
            basePath: configuration.http.basePath)
        let server = GatewayServer(
            settings: settings, identity: identity, database: runtime.database, queue: runtime.queue, acceptor: acceptor,
            paymentBackend: PaymentBackends.make(
                configuration: configuration.payment, sessions: acceptor.sessions,
                client: MetadataDirectory.outboundClient(configuration.outbound, logger: logger), time: runtime.time,
                logger: logger),
            metrics: metrics, services: services, logger: logger)
        try await server.run(onServerRunning: { port in
                logger.notice(
                    "ocgate listening",
                    metadata: [
                        "address": "http://\(settings.host):\(port)", "ocid": "\(identity.ocid)",
                        "spool": "\(configuration.spool.dir)", "workers": "\(!noWorkers)",
                    ])
            })
        // The server has finished its in-flight requests; commit whatever the batch still holds.
        await acceptor.sessions.close()
    }
}
