import ArgumentParser
import Foundation
import GatewayAssembly
import GatewayConfig
import GatewayCore
import GatewayOutbound
import GatewayServer
import GatewaySimulator
import GatewayStore
import Logging
import Opencharge
import ServiceLifecycle

/// `ocgate bench checkout`: signed checkouts over keep-alive HTTP connections against a real acceptor on
/// loopback, each fully verified (request and order signatures) and durably committed, then the same
/// server's ceiling: the same requests answered after the checks alone.
struct CheckoutBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkout",
        abstract: "Accepted checkouts per second and latency over HTTP, and the ceiling without storing.")

    @Option(help: "Requests per measurement.") var requests = 20_000
    @Option(help: "Concurrent keep-alive connections.") var connections = 64
    @Option(help: "store.durability for the run: full or normal.") var durability = "full"
    @OptionGroup var storage: BenchStoreOptions
    @Flag(help: "Print the results as JSON.") var json = false

    func validate() throws {
        guard requests > 0, connections > 0 else { throw ValidationError("--requests and --connections must be positive") }
        guard GatewayConfig.Durability(rawValue: durability) != nil else { throw ValidationError("--durability must be full or normal") }
    }

    func run() async throws {
        let scratch = try BenchScratch()
        defer { scratch.remove() }
        let (directory, logger) = (scratch.directory, scratch.logger)
        let store = try BenchStore(storage)
        defer { store.drop() }

        let bench = try CheckoutBenchSetup(
            directory: directory.path, durability: GatewayConfig.Durability(rawValue: durability)!, store: store,
            logger: logger)
        let group = bench.serviceGroup(logger: logger)
        let server = bench.run(group)
        let port = try await bench.port()

        // Signed right before each run: the ±300 s window starts now.
        let signed = bench.signedRequests(count: requests, gatewayURL: "http://127.0.0.1:\(port)", path: "/checkout/create")
        let (full, headroom) = try await store.measure(operations: requests) {
            try await KeepAliveLoad.run(signed, port: port, connections: connections)
        }
        let stored = try await bench.runtime.stores.sessions.count()
        let ceiling = try await KeepAliveLoad.run(
            bench.signedRequests(
                count: requests, gatewayURL: "http://127.0.0.1:\(port)", path: "/bench/checkout-checked"),
            port: port, connections: connections)
        await group.triggerGracefulShutdown()
        try await server.value

        if json {
            print(CanonicalJSON.string(store.annotate([
                "requests": .integer(requests), "connections": .integer(connections), "durability": .string(durability),
                "checkout": full.json, "sessions_stored": .integer(stored), "ceiling_checks_only": ceiling.json,
            ], headroom: headroom)))
        } else {
            print("ocgate bench checkout: \(requests) requests, \(connections) connections, durability \(durability), \(store.backend)")
            print("  checkout (verify both signatures + durable commit) \(full.text)")
            if let headroom { print(headroom.text) }
            print("  sessions stored: \(stored)")
            print("  ceiling (same checks, nothing stored)               \(ceiling.text)")
        }
        guard full.statuses == [200: requests], stored == requests else {
            throw CommandFailure("not every checkout was accepted and stored: statuses \(full.statuses), sessions \(stored)")
        }
    }
}

/// A gateway, a merchant and a Merchant Gateway with fresh keys, the acceptor on a temporary spool.
struct CheckoutBenchSetup: Sendable {
    let identity: GatewayIdentity
    let callers = SignedCheckouts(gatewayOCID: 200)
    let runtime: GatewayRuntime
    let server: GatewayServer
    private let ports = PortSignal()

    init(directory: String, durability: GatewayConfig.Durability, store: BenchStore, logger: Logger) throws {
        identity = GatewayIdentity(
            ocid: 200, name: "bench gateway", key: .generate(), publicURL: "http://127.0.0.1", currencies: ["USD"])
        var configuration = GatewayConfiguration(
            gateway: GatewaySection(
                ocid: identity.ocid, name: identity.name, keyFile: "", publicURL: identity.publicURL,
                currencies: identity.currencies),
            spool: SpoolSection(dir: directory), partners: PartnersSection(open: true))
        configuration.store.durability = durability
        configuration = store.configure(configuration)
        // Not `RuntimeOptions.open`, which starts PostgreSQL's pool on its own: the bench's service group runs it.
        do { runtime = try GatewayAssembly.runtime(configuration) } catch { throw CommandFailure(error.description) }
        let stores = runtime.stores
        let peers = InlinePeerDirectory([callers.merchant.party.metadata, callers.gateway.party.metadata])
        let time = runtime.time
        let acceptor = CheckoutAcceptor(
            identity: identity, checkout: CheckoutSection(),
            authenticator: RequestAuthenticator(
                configuration: configuration, directory: peers, nonces: stores.nonces, partners: stores.partners,
                time: time, logger: logger),
            peers: peers, sessions: stores.sessions, drain: DrainState(queue: stores.jobs, time: time),
            checkoutURL: CheckoutPageAddress(publicURL: identity.publicURL).url(sessionID:), time: time,
            logger: logger)
        server = GatewayServer(
            settings: ServerSettings(host: "127.0.0.1", port: 0, bodyLimit: 65_536, benchmarkCeiling: true),
            identity: identity, stores: stores, acceptor: acceptor, time: time, logger: logger)
    }

    /// The server in a service group after the storage's services, so the bench can shut it down gracefully when
    /// done, the storage last.
    func serviceGroup(logger: Logger) -> ServiceGroup {
        let ports = self.ports
        let app = server.makeApplication(onServerRunning: { ports.send($0) })
        return ServiceGroup(configuration: ServiceGroupConfiguration(services: runtime.services + [app], logger: logger))
    }

    /// Runs `group` (this setup's `serviceGroup`), telling `port()` if it ends before the server listens.
    func run(_ group: ServiceGroup) -> Task<Void, any Error> { ports.running(group) }

    /// The port the server listens on, once it does; throws if it failed to start (the port taken, say).
    func port() async throws -> Int { try await ports.value() }

    /// Unique orders and nonces, signed now, as the Merchant Gateway sends them.
    func signedRequests(count: Int, gatewayURL url: String, path: String) -> [OutboundRequest] {
        callers.requests(count: count, gatewayURL: url, path: path)
    }
}

/// One measured run of `KeepAliveLoad`: how long it took, each exchange's latency and the statuses answered.
struct LoadRun: Sendable {
    let seconds: Double
    let latencies: [Double]  // milliseconds, sorted
    let statuses: [Int: Int]

    var perSecond: Double { Double(latencies.count) / seconds }
    func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }

    var text: String {
        String(
            format: "%8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  statuses %@", perSecond, percentile(0.5), percentile(0.99),
            statuses.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " "))
    }

    var json: JSONValue {
        [
            "requests_per_second": .integer(Int64(perSecond)), "p50_ms": .string(String(format: "%.2f", percentile(0.5))),
            "p99_ms": .string(String(format: "%.2f", percentile(0.99))),
            "statuses": .object(JSONObject(statuses.sorted { $0.key < $1.key }.map { (String($0.key), .integer($0.value)) })),
        ]
    }
}

/// Hands out request indexes to the load workers, each exactly once, until every one was taken or it is stopped.
///
/// `@unchecked Sendable`: `position` is only touched under `lock`.
final class RequestCursor: @unchecked Sendable {
    private let lock = NSLock()
    private var position = 0
    private let count: Int

    init(count: Int) { self.count = count }

    func take() -> Int? {
        lock.withLock {
            guard position < count else { return nil }
            defer { position += 1 }
            return position
        }
    }

    /// No index is handed out after this: a failed run stops its other workers.
    func stop() {
        lock.withLock { position = count }
    }
}
