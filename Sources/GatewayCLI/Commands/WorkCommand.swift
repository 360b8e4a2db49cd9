import ArgumentParser
import Foundation
import GatewayConfig
import GatewayCore
import GatewayStore
import Logging
import ServiceLifecycle
import UnixSignals

/// `ocgate work`: job workers and the maintenance schedule, without the HTTP acceptor.
struct WorkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "work",
        abstract: "Run job workers (and the recurring maintenance schedule) until SIGTERM or SIGINT.")

    @OptionGroup var runtime: RuntimeOptions
    @Option(help: "Jobs run at once (default: workers.concurrency).") var concurrency: Int?
    @Option(help: "Only these kinds, comma-separated (default: every registered kind).") var kinds: String?

    func validate() throws {
        if let concurrency, concurrency < 1 { throw ValidationError("--concurrency must be at least 1") }
        guard let chosen else { return }
        // An empty list would run a worker that claims nothing, for ever.
        guard !chosen.isEmpty else { throw ValidationError("--kinds needs at least one kind") }
        let unknown = chosen.subtracting(GatewayJobs.kinds).sorted()
        guard unknown.isEmpty else {
            throw ValidationError(
                "unknown job kind \(unknown.joined(separator: ", ")); known: \(GatewayJobs.kinds.sorted().joined(separator: ", "))")
        }
    }

    /// The kinds `--kinds` names, blanks left out; nil for every registered kind.
    private var chosen: Set<String>? {
        kinds.map { list in
            Set(list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        }
    }

    func run() async throws {
        let configuration = try runtime.config.load()
        let logger = GatewayLogging.logger(configuration, label: "ocgate.work")
        // Workers judge inbox files with the acceptor, so they need the gateway's identity and peers too.
        let gateway = try RuntimeOptions.gateway(configuration, slots: concurrency, logger: logger)
        let acceptor = CheckoutAcceptor(gateway: gateway, logger: logger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            // The storage's services first: they stop last, once the workers have finished writing.
            services: gateway.runtime.services + [
                gateway.worker(acceptor: acceptor, kinds: chosen, logger: logger),
                GatewayJobs.scheduler(gateway.runtime, logger: logger),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        logger.notice("ocgate working", metadata: ["spool": "\(configuration.spool.dir)", "kinds": "\(chosen?.sorted() ?? GatewayJobs.kinds.sorted())"])
        try await group.run()
    }
}
