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
import UnixSignals

/// `ocgate demo`: the whole flow on one machine. The gateway runs on the embedded defaults (the configured
/// spool, sandbox payments, the configured key) next to a simulated Merchant Gateway (OCID 300) and merchant
/// (OCID 500) on loopback; a checkout is created and its URL printed. With `--auto` the demo also pays it,
/// waits for the MG to accept the proof and prints the verified proof.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the gateway with a simulated Merchant Gateway and merchant, and create a checkout.")

    @OptionGroup var config: ConfigOptions

    @Flag(help: "Pay the checkout, wait for the Merchant Gateway to accept the proof, print it and exit.")
    var auto = false

    @Option(help: "With --auto: how long to wait for the proof to be accepted, in seconds.")
    var timeout: Int = 60

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be a positive number of seconds") }
    }

    func run() async throws {
        var configuration = try config.load()
        var logger = Logger(label: "ocgate.demo")
        logger.logLevel = .warning
        if !FileManager.default.fileExists(atPath: configuration.gateway.keyFile) {
            try? KeyFile.write(PrivateKey.generate(), to: configuration.gateway.keyFile, replacing: false)
            printNow("Created a demo gateway key in \(configuration.gateway.keyFile)")
        }
        let identity: GatewayIdentity
        do { identity = try GatewayIdentity(configuration: configuration) } catch { throw CommandFailure(error.description) }

        // The simulated peers, and a registry that points at them (the shipped one names fixed demo ports).
        let gatewayMetadata = PeerMetadata(
            ocid: identity.ocid, name: identity.name, publicKey: identity.key.publicKey, previousKey: nil,
            endpoint: identity.publicURL, capabilities: [], currencies: identity.currencies, accepts: [])
        let webhook = try await SimulatedWebhook.start(ocid: 300, trusting: [gatewayMetadata], time: SystemTime())
        defer { webhook.stop() }
        let merchant = SimulatedMerchant(
            party: SimulatedParty(ocid: 500, name: "Demo Coffee Shop", endpoint: "https://merchant.example", accepts: [300]))
        let registry = FileManager.default.temporaryDirectory
            .appendingPathComponent("ocgate-demo-registry-\(UUID().uuidString).toml")
        try await MetadataServer.shared.publishRegistry(of: [webhook.party, merchant.party], to: registry)
        defer { try? FileManager.default.removeItem(at: registry) }
        configuration.registry.file = registry.path
        configuration.registry.indexURL = nil
        configuration.partners.open = true  // the simulated MG is the only caller

        configuration.payment.backend = .sandbox  // the demo pays with the sandbox, whatever the file configures

        let gateway = try RuntimeOptions.gateway(configuration, logger: logger)
        let acceptor = CheckoutAcceptor(gateway: gateway, logger: logger)
        let ports = PortSignal()
        let server = GatewayServer(
            settings: ServerSettings(
                host: configuration.http.host, port: configuration.http.port, bodyLimit: configuration.http.bodyLimit),
            identity: identity, stores: gateway.stores, acceptor: acceptor, paymentBackend: gateway.payments,
            afterPayment: AfterPayment(gateway: gateway, logger: logger), time: gateway.time,
            services: gateway.runtime.services + [
                gateway.worker(acceptor: acceptor, logger: logger), GatewayJobs.scheduler(gateway.runtime, logger: logger),
            ],
            logger: logger)
        let app = server.makeApplication(onServerRunning: { ports.send($0) })
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        let running = ports.running(group)
        let port: Int
        do {
            port = try await ports.value()
        } catch {
            throw CommandFailure("the gateway could not listen on \(configuration.http.host):\(configuration.http.port): \(error)")
        }
        let base = "http://\(configuration.http.host):\(port)"

        let flow = DemoFlow(
            base: base, merchant: merchant, gateway: SimulatedMerchantGateway(party: webhook.party), webhook: webhook,
            formToken: FormToken(gatewayKey: identity.key))
        let checkout = try await flow.createCheckout()
        printNow("Checkout created by the simulated Merchant Gateway (OCID 300) for merchant OCID 500:")
        printNow("  session  \(checkout.sessionID)")
        printNow("  open     \(checkout.checkoutURL)")
        guard auto else {
            printNow("Pay it in a browser; the gateway delivers the proof to the simulated MG. Ctrl-C stops the demo.")
            try await running.value
            return
        }
        let proof = try await flow.payAndAwaitProof(sessionID: checkout.sessionID, timeout: .seconds(timeout))
        let verified = identity.key.publicKey.verifyObject(proof.proof, signature: proof.signature, allowLegacy: false)
        print("Paid with the sandbox; the simulated MG accepted this proof:")
        print("  " + CanonicalJSON.string(proof.proof))
        print("  signature \(proof.signature.hex)")
        print("  verified with the gateway's published key: \(verified == .recursive ? "yes" : "NO")")
        await group.triggerGracefulShutdown()
        try await running.value
        guard verified == .recursive else { throw CommandFailure("the accepted proof does not verify") }
    }
}

/// The demo's client side: the MG creating a checkout and the customer paying it.
struct DemoFlow: Sendable {
    let base: String
    let merchant: SimulatedMerchant
    let gateway: SimulatedMerchantGateway
    let webhook: SimulatedWebhook
    let formToken: FormToken
    let client = OutboundClient(policy: OutboundPolicy(allowLoopback: true), maxConnections: 4, logger: Logger(label: "ocgate.demo"))

    /// A fresh order id with 64 random bits: `bench flow` creates tens of thousands, and the 32 bits it once had
    /// collided about once in sixty runs of 12,000 (the gateway rightly answered `ORDER_CONFLICT`).
    static func newOrderID() -> String {
        "ord_demo_" + Hex.random(byteCount: 8)
    }

    func createCheckout() async throws -> CheckoutCreateResponse {
        let order = merchant.order(
            id: Self.newOrderID(), amount: "4.50", currency: "USD", accepts: [300],
            createdAt: Int64(Date().timeIntervalSince1970),
            items: [["id": "latte", "name": "Caffè latte", "quantity": 1, "price": "4.50"]])
        webhook.expect(orderID: order["id"]!.stringValue!, merchantOCID: 500, amount: "4.50", currency: "USD")
        let response = try await client.send(gateway.checkoutRequest(to: base, order: order, merchant: merchant))
        let answer = try JSONParser.parse(response.body)
        guard response.status == 200 else { throw CommandFailure("the gateway refused the checkout: \(CanonicalJSON.string(answer))") }
        return try CheckoutCreateResponse(json: answer)
    }

    /// Presses "pay" on the hosted page, as a browser would, then waits for the MG to accept the proof.
    func payAndAwaitProof(sessionID: String, timeout: Duration) async throws -> (proof: JSONValue, signature: Signature) {
        let paid = try await client.send(SimulatedCustomer(gatewayURL: base, formToken: formToken).pay(sessionID))
        guard paid.status == 303 else { throw CommandFailure("paying the session answered \(paid.status), not a redirect") }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let body = webhook.acceptedBodies.values.first {
                let envelope = try JSONParser.parse(body)
                guard let proof = envelope["proof"], let signature = envelope["signature"]?.stringValue else { break }
                return (proof, try Signature(hex: signature))
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw CommandFailure("the simulated MG did not accept a proof within \(timeout)")
    }
}
