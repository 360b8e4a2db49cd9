import ArgumentParser
import Foundation
import GatewayConfig
import GatewayCore
import GatewayOutbound
import GatewayServer
import GatewaySimulator
import GatewayStore
import Logging
import Opencharge
import ServiceLifecycle

/// `ocgate bench flow`: sessions paid on the hosted page (over HTTP, or with `--payments direct` through the call
/// its POST handler makes), each proof issued, signed, stored with its ledger entry and delivered to a local MG
/// stub, all on loopback in one process with a durable (FULL unless `--durability normal`) database. The stub
/// answers at once and checks every delivery as a real MG would once the clock stopped (`--mg verifying` checks
/// each before answering, on the measured cores). Reports proofs accepted by the MG per second and the latency
/// from the customer's payment to the MG's 200 as the delivering worker recorded it.
struct FlowBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flow",
        abstract: "Paid sessions through proof.issue and callback.deliver to a local MG: proofs per second and latency.")

    @OptionGroup var config: ConfigOptions
    @Option(help: "Sessions created (not measured), then paid and delivered.") var sessions = 5_000
    @Option(help: "Customers paying at once, each on a keep-alive connection.") var payers = 32
    @Option(help: "Payments per second offered (0: as fast as the payers are answered).") var rate = 0
    @Option(help: "Jobs the worker runs at once (workers.concurrency).") var concurrency = 256
    @Option(help: "How long to wait for every proof to be accepted, in seconds.") var timeout = 300
    @Option(help: "store.durability for the run: full or normal.") var durability = "full"
    @Option(
        help: ArgumentHelp(
            "How customers pay: direct (the call POST /pay/{id} makes, in process) or page (that POST over loopback HTTP).",
            discussion: """
                direct measures the proof pipeline itself (proof.issue and callback.deliver after each payment) and leaves \
                out the customer's HTTP exchange, which a real customer's browser makes from elsewhere.
                """))
    var payments = "direct"
    @Option(
        help: ArgumentHelp(
            "The MG: stub (answers at once, checks every delivery after the run) or verifying (checks each first).",
            discussion: "A real MG verifies on its own machine; verifying puts its two verifications per proof on ours."))
    var mg = "stub"
    @OptionGroup var storage: BenchStoreOptions
    @Flag(help: "Print the results as JSON.") var json = false

    func validate() throws {
        guard sessions > 0, payers > 0, concurrency > 0, timeout > 0 else {
            throw ValidationError("--sessions, --payers, --concurrency and --timeout must be positive")
        }
        guard rate >= 0 else { throw ValidationError("--rate must not be negative") }
        guard GatewayConfig.Durability(rawValue: durability) != nil else { throw ValidationError("--durability must be full or normal") }
        guard ["page", "direct"].contains(payments) else { throw ValidationError("--payments must be page or direct") }
        guard ["stub", "verifying"].contains(mg) else { throw ValidationError("--mg must be stub or verifying") }
    }

    func run() async throws {
        let scratch = try BenchScratch()
        defer { scratch.remove() }
        let (directory, logger) = (scratch.directory, scratch.logger)
        let store = try BenchStore(storage)
        defer { store.drop() }

        let bench = try await FlowBenchSetup(
            configuration: store.configure(config.load()), durability: GatewayConfig.Durability(rawValue: durability)!, directory: directory,
            mgChecking: mg == "stub" ? .afterwards : .onReceipt, slots: concurrency, logger: logger)
        defer { bench.webhook.stop() }
        let gateway = bench.gateway
        let worker = gateway.worker(acceptor: bench.acceptor, logger: logger)
        let ports = PortSignal()
        let server = GatewayServer(
            settings: ServerSettings(host: "127.0.0.1", port: 0, bodyLimit: gateway.configuration.http.bodyLimit),
            identity: gateway.identity, stores: gateway.stores, acceptor: bench.acceptor,
            paymentBackend: gateway.payments, afterPayment: AfterPayment(gateway: gateway, logger: logger), time: gateway.time,
            services: gateway.runtime.services + [worker],
            logger: logger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [server.makeApplication(onServerRunning: { ports.send($0) })], logger: logger))
        let running = ports.running(group)
        let base = "http://127.0.0.1:\(try await ports.value())"
        let flow = DemoFlow(
            base: base, merchant: bench.merchant, gateway: SimulatedMerchantGateway(party: bench.webhook.party),
            webhook: bench.webhook, formToken: FormToken(gatewayKey: gateway.identity.key))

        // Not measured: the checkouts (they start no job).
        let created = try await createCheckouts(flow)

        let deadline = ContinuousClock.now + .seconds(timeout)
        let (payments, headroom) = try await store.measure(operations: sessions) {
            let payments = try await pay(created, with: payment(base: base, gateway: gateway, logger: logger))
            while bench.webhook.acceptedBodies.count < sessions, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            return payments
        }
        // Read while the storage still runs (PostgreSQL's pool stops with the group), once every delivery the MG
        // accepted is recorded.
        let proofs = gateway.stores.proofs
        var delivered = try await deliveries(of: Array(payments.keys), store: proofs)
        while delivered.count < min(payments.count, bench.webhook.acceptedBodies.count), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
            let pending = payments.keys.filter { delivered[$0] == nil }
            delivered.merge(try await deliveries(of: pending, store: proofs)) { first, _ in first }
        }
        await group.triggerGracefulShutdown()
        try await running.value

        var latencies: [Double] = []
        var lastDelivery = Date.distantPast
        for (session, paid) in payments {
            guard let delivered = delivered[session] else { continue }
            latencies.append(delivered.timeIntervalSince(paid.at) * 1000)
            lastDelivery = max(lastDelivery, delivered)
        }
        latencies.sort()
        guard latencies.count == sessions, let firstPayment = payments.values.map(\.at).min() else {
            throw CommandFailure("only \(latencies.count) of \(sessions) proofs were accepted by the MG within \(timeout) s")
        }
        let failed = bench.webhook.checkDeferred()
        guard failed.isEmpty else {
            throw CommandFailure("\(failed.count) deliveries failed the MG's checks after the run, the first: \(failed[0])")
        }
        report(
            FlowBenchResult(
                sessions: sessions, seconds: lastDelivery.timeIntervalSince(firstPayment), latencies: latencies,
                answerLatencies: payments.values.map(\.answeredMillis).sorted(), accepted: bench.webhook.acceptedBodies.count),
            store: store, headroom: headroom)
    }

    /// When each of `sessions`' proofs was delivered, for those delivered so far.
    private func deliveries(of sessions: [String], store proofs: any ProofStore) async throws -> [String: Date] {
        var delivered: [String: Date] = [:]
        for session in sessions {
            if let at = try await proofs.proof(sessionID: session)?.deliveredAt { delivered[session] = at }
        }
        return delivered
    }

    private func createCheckouts(_ flow: DemoFlow) async throws -> [String] {
        let lanes = 4  // DemoFlow's client keeps four connections
        let sessions = self.sessions
        return try await withThrowingTaskGroup(of: [String].self) { group in
            for lane in 0..<lanes {
                group.addTask {
                    var ids: [String] = []
                    for _ in stride(from: lane, to: sessions, by: lanes) { ids.append(try await flow.createCheckout().sessionID) }
                    return ids
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
    }

    /// One customer's "pay" on a session's hosted page, by `--payments`: throws unless the session was paid.
    private func payment(
        base: String, gateway: Gateway, logger: Logger
    ) -> @Sendable (String) async throws -> Void {
        let checkout = HostedCheckout(gateway: gateway, logger: logger)
        if payments == "direct" {
            return { id in
                let result = try await checkout.pay(sessionID: id, form: HostedForm(csrf: checkout.formToken.token(for: id), choice: "succeed"))
                guard case .redirect = result else { throw CommandFailure("paying \(id) gave \(result)") }
            }
        }
        let client = OutboundClient(
            policy: OutboundPolicy(allowLoopback: true, maxResponseBytes: 1 << 16), maxConnections: payers, logger: logger)
        let customer = SimulatedCustomer(gatewayURL: base, formToken: checkout.formToken)
        return { id in
            let response = try await client.send(customer.pay(id, timeout: .seconds(30)))
            guard response.status == 303 else { throw CommandFailure("paying \(id) answered \(response.status)") }
        }
    }

    /// One payment as measured: when it was sent, and how long until the customer's browser got its answer (the
    /// 303 to the success URL, which now waits for the proof and the MG's first delivery attempt).
    struct Payment: Sendable {
        let at: Date
        let answeredMillis: Double
    }

    /// Pays every session, `payers` at a time and at most `rate` per second; returns each payment as measured.
    private func pay(_ ids: [String], with payment: @escaping @Sendable (String) async throws -> Void) async throws
        -> [String: Payment]
    {
        let next = RequestCursor(count: ids.count)
        let payers = self.payers
        let interval: Duration? = rate > 0 ? .nanoseconds(1_000_000_000 / rate) : nil
        let clock = ContinuousClock()
        let begin = clock.now
        return try await withThrowingTaskGroup(of: [String: Payment].self) { group in
            for _ in 0..<payers {
                group.addTask {
                    var paid: [String: Payment] = [:]
                    while let index = next.take() {
                        // An open schedule: payment `index` is due at its slot, however the earlier ones fare.
                        if let interval { try await clock.sleep(until: begin + interval * index) }
                        let id = ids[index]
                        let (start, sent) = (Date(), clock.now)
                        try await payment(id)
                        paid[id] = Payment(at: start, answeredMillis: (clock.now - sent).seconds * 1000)
                    }
                    return paid
                }
            }
            return try await group.reduce(into: [:]) { $0.merge($1) { first, _ in first } }
        }
    }

    private func report(_ result: FlowBenchResult, store: BenchStore, headroom: PostgresHeadroom?) {
        if json {
            print(CanonicalJSON.string(store.annotate([
                "sessions": .integer(Int64(sessions)), "payers": .integer(Int64(payers)),
                "concurrency": .integer(Int64(concurrency)), "rate": .integer(Int64(rate)), "durability": .string(durability),
                "payments": .string(payments), "mg": .string(mg),
                "proofs_per_second": .integer(Int64(result.perSecond)), "p50_ms": .string(String(format: "%.1f", result.percentile(0.5))),
                "p99_ms": .string(String(format: "%.1f", result.percentile(0.99))),
                "pay_p50_ms": .string(String(format: "%.1f", result.answerPercentile(0.5))),
                "pay_p99_ms": .string(String(format: "%.1f", result.answerPercentile(0.99))),
                "accepted_by_mg": .integer(Int64(result.accepted)),
            ], headroom: headroom)))
        } else {
            let offered = rate > 0 ? "\(rate) payments/s offered" : "payments as fast as answered"
            print(
                "ocgate bench flow: \(sessions) sessions, \(payers) payers paying \(payments == "page" ? "on the page" : "directly"),"
                    + " \(offered), worker concurrency \(concurrency), durability \(durability), \(store.backend),"
                    + (mg == "stub" ? " MG stub checking every delivery after the run" : " MG verifying each delivery first"))
            print(String(
                format: "  paid → proof issued → delivered → MG 200  %8.0f proofs/s  p50 %7.1f ms  p99 %7.1f ms  (%d accepted by the MG)",
                result.perSecond, result.percentile(0.5), result.percentile(0.99), result.accepted))
            print(String(
                format: "  pay → 303 to the success URL                               p50 %7.1f ms  p99 %7.1f ms",
                result.answerPercentile(0.5), result.answerPercentile(0.99)))
            if let headroom { print(headroom.text) }
        }
    }
}

/// The measured outcome: every session's payment→MG-200 latency and payment→answer latency (milliseconds, sorted)
/// over the run's length.
struct FlowBenchResult {
    let sessions: Int
    let seconds: Double
    let latencies: [Double]
    /// Payment sent → the customer's answer (the 303), each.
    let answerLatencies: [Double]
    let accepted: Int

    var perSecond: Double { Double(sessions) / seconds }
    func percentile(_ p: Double) -> Double { Self.percentile(p, of: latencies) }
    func answerPercentile(_ p: Double) -> Double { Self.percentile(p, of: answerLatencies) }

    private static func percentile(_ p: Double, of sorted: [Double]) -> Double {
        sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }
}

/// The gateway on a temporary spool (the chosen durability, a fresh key) next to a simulated MG (OCID 300) and merchant
/// (OCID 500) on loopback, found through a registry file that points at their published metadata.
struct FlowBenchSetup {
    let gateway: Gateway
    let acceptor: CheckoutAcceptor
    let webhook: SimulatedWebhook
    let merchant: SimulatedMerchant

    init(
        configuration loaded: GatewayConfiguration, durability: GatewayConfig.Durability, directory: URL,
        mgChecking: SimulatedWebhook.Checking, slots: Int, logger: Logger
    ) async throws {
        var configuration = loaded
        configuration.payment.backend = .sandbox  // customers pay with the sandbox, whatever the file configures
        let keyFile = directory.appendingPathComponent("gateway.key").path
        try KeyFile.write(PrivateKey.generate(), to: keyFile, replacing: false)
        configuration.gateway.keyFile = keyFile
        configuration.spool.dir = directory.appendingPathComponent("spool").path
        configuration.store.durability = durability
        configuration.partners.open = true
        let identity: GatewayIdentity
        do { identity = try GatewayIdentity(configuration: configuration) } catch { throw CommandFailure(error.description) }

        let gatewayMetadata = PeerMetadata(
            ocid: identity.ocid, name: identity.name, publicKey: identity.key.publicKey, previousKey: nil,
            endpoint: identity.publicURL, capabilities: [], currencies: identity.currencies, accepts: [])
        webhook = try await SimulatedWebhook.start(
            ocid: 300, trusting: [gatewayMetadata], time: SystemTime(), checking: mgChecking)
        merchant = SimulatedMerchant(
            party: SimulatedParty(ocid: 500, name: "Bench Merchant", endpoint: "https://merchant.example", accepts: [300]))
        let registry = directory.appendingPathComponent("registry.toml")
        try await MetadataServer.shared.publishRegistry(of: [webhook.party, merchant.party], to: registry)
        configuration.registry.file = registry.path
        configuration.registry.indexURL = nil

        gateway = try RuntimeOptions.gateway(configuration, slots: slots, logger: logger)
        acceptor = CheckoutAcceptor(gateway: gateway, logger: logger)
    }
}
