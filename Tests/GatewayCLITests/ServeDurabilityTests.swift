import Foundation
import GatewayCore
import GatewayOutbound
import GatewaySimulator
import GatewayStore
import GatewayTestSupport
import Logging
import Opencharge
import Testing

/// `ocgate serve` as a Merchant Gateway meets it: a real process, peers resolved through the registry file
/// from metadata served on loopback, signed checkouts over HTTP. A kill -9 loses no answered checkout on either backend.
struct ServeDurabilityTests {
    let merchant = SimulatedMerchant(party: SimulatedParty(ocid: 500, name: "Merchant", endpoint: "https://merchant.example"))
    let gateway = SimulatedMerchantGateway(party: SimulatedParty(ocid: 300, name: "MG", endpoint: "https://mg.example"))
    let client = OutboundClient(policy: OutboundPolicy(allowLoopback: true), maxConnections: 8, logger: Logger(label: "test"))

    /// A spool, key and registry for one gateway process on a free loopback port.
    struct Gateway {
        let directory: URL
        let port: Int
        var environment: [String: String]
        /// The PostgreSQL database the store is on, if not the spool's SQLite file.
        let database: PostgresSpoolDatabase?
        var spool: String { directory.appendingPathComponent("spool").path }

        /// The store, opened in this process as another process on it would.
        func stores() throws -> GatewayStores { try database?.stores ?? TestStores.sqlite(path: spool + "/ocgate.db") }
    }

    func prepare(backend: TestBackend = .sqlite) async throws -> Gateway {
        let database = try await PostgresSpoolDatabase.make(for: backend)
        let directory = try OCGateProcess.temporaryDirectory()
        let key = directory.appendingPathComponent("gateway.key").path
        try KeyFile.write(PrivateKey.generate(), to: key, replacing: false)
        let registry = directory.appendingPathComponent("registry.toml")
        try await MetadataServer.shared.publishRegistry(of: [gateway.party, merchant.party], to: registry)
        let port = closedLoopbackPort()
        return Gateway(
            directory: directory, port: port,
            environment: [
                "OCGATE_SPOOL_DIR": directory.appendingPathComponent("spool").path, "OCGATE_GATEWAY_KEY_FILE": key,
                "OCGATE_REGISTRY_FILE": registry.path, "OCGATE_HTTP_PORT": String(port), "OCGATE_PARTNERS_OPEN": "true",
                "OCGATE_LOG_LEVEL": "error",
            ].merging(database?.environment ?? [:]) { $1 },
            database: database)
    }

    func start(_ gateway: Gateway, workers: Bool = false) async throws -> Process {
        let config = OCGateProcess.packageRoot.appendingPathComponent("config/ocgate.toml").path
        let process = try OCGateProcess.launch(
            ["serve", "--config", config] + (workers ? [] : ["--no-workers"]), environment: gateway.environment,
            in: gateway.directory)
        let health = OutboundRequest(method: "GET", url: "http://127.0.0.1:\(gateway.port)/health", timeout: .seconds(1))
        let client = client
        guard try await eventually({ (try? await client.send(health))?.status == 200 }) else {
            process.terminate()
            throw CancellationError()
        }
        return process
    }

    func checkout(_ port: Int, id: String) -> OutboundRequest {
        let order = merchant.order(id: id, accepts: [300], createdAt: Int64(Date().timeIntervalSince1970))
        return gateway.checkoutRequest(to: "http://127.0.0.1:\(port)", order: order, merchant: merchant)
    }

    @Test(arguments: TestBackend.allCases)
    func everyAnsweredCheckoutSurvivesKillNine(backend: TestBackend) async throws {
        let gateway = try await prepare(backend: backend)
        let server = try await start(gateway)
        let accepted = AcceptedSessions()
        // Eight concurrent clients; the server is killed once 200 checkouts were answered.
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for n in 0..<400 {
                        guard let response = try? await client.send(checkout(gateway.port, id: "ord_\(worker)_\(n)")) else { return }
                        if response.status == 200, let id = (try? JSONParser.parse(response.body))?["session_id"]?.stringValue {
                            if accepted.add(id) == 200 { kill(server.processIdentifier, SIGKILL) }
                        }
                    }
                }
            }
        }
        server.waitUntilExit()
        #expect(server.terminationReason == .uncaughtSignal)
        let answered = accepted.all
        #expect(answered.count >= 200)

        // After the crash: every session that got a 200 is in the database, and the gateway starts again.
        let sessions = try gateway.stores().sessions
        for id in answered { #expect(try await sessions.session(id: id) != nil, "lost \(id)") }
        let restarted = try await start(gateway)
        let again = try await client.send(checkout(gateway.port, id: "ord_after_restart"))
        #expect(again.status == 200)
        restarted.terminate()
        restarted.waitUntilExit()
        #expect(restarted.terminationStatus == 0)
    }

    @Test func theHTTPProcessorBackendCompletesAPaymentThroughTheRealServer() async throws {
        let processor = try await SimulatedProcessor.start(authHeader: (name: "Authorization", value: "Bearer sk_test_e2e"))
        defer { processor.stop() }
        processor.script(.succeed(afterPolls: 1))
        var gateway = try await prepare()
        gateway.environment.merge([
            "OCGATE_PAYMENT_BACKEND": "http", "OCGATE_PAYMENT_HTTP_START_URL": processor.startURL,
            "OCGATE_PAYMENT_HTTP_STATUS_URL": processor.statusURL,
            "OCGATE_PAYMENT_HTTP_AUTH_HEADER": "Authorization: Bearer sk_test_e2e",
        ]) { $1 }
        let server = try await start(gateway, workers: true)
        defer { server.terminate() }
        let created = try await client.send(checkout(gateway.port, id: "ord_http_backend"))
        let session = try CheckoutCreateResponse(json: try JSONParser.parse(created.body)).sessionID
        let key = try KeyFile.load(path: try #require(gateway.environment["OCGATE_GATEWAY_KEY_FILE"]))
        let customer = SimulatedCustomer(gatewayURL: "http://127.0.0.1:\(gateway.port)", formToken: FormToken(gatewayKey: key))
        let paid = try await client.send(customer.pay(session, choice: HTTPPaymentBackend.payChoice))
        #expect(paid.status == 200 || paid.status == 303)
        // payment.poll asks the processor, proof.issue completes the session.
        var status = ""
        _ = try await eventually {
            let answer = try await client.send(OutboundRequest(
                method: "GET", url: "http://127.0.0.1:\(gateway.port)/pay/\(session)/status", timeout: .seconds(5)))
            status = (try JSONParser.parse(answer.body))["status"]?.stringValue ?? ""
            return status == "completed"
        }
        #expect(status == "completed")
        // The poll may repeat the start while the page's own start is in flight; the idempotency key keeps it one charge.
        #expect(Set(processor.acceptedStarts.map(\.id)).count == 1)
    }

    @Test func servedCheckoutIsVerifiedEndToEnd() async throws {
        let gateway = try await prepare()
        let server = try await start(gateway)
        defer { server.terminate() }
        let response = try await client.send(checkout(gateway.port, id: "ord_e2e"))
        #expect(response.status == 200)
        let answer = try CheckoutCreateResponse(json: try JSONParser.parse(response.body))
        #expect(answer.checkoutURL.hasSuffix("/pay/" + answer.sessionID))
        // A forged order signature is refused by the real process too.
        let order = merchant.order(id: "ord_forged", accepts: [300], createdAt: Int64(Date().timeIntervalSince1970))
        let body = self.gateway.checkoutBody(order: order, signature: PrivateKey.generate().signObject(order).hex, merchantOcid: 500)
        let forged = try await client.send(OutboundRequest(
            method: "POST", url: "http://127.0.0.1:\(gateway.port)/checkout/create",
            headers: self.gateway.sign(path: "/checkout/create", body: body, at: Date()).map { (name: $0.key, value: $0.value) },
            body: body, timeout: .seconds(10)))
        #expect(forged.status == 400)
        #expect((try JSONParser.parse(forged.body))["error"]?["code"] == "INVALID_SIGNATURE")
    }
}

/// Session ids the clients saw answered with 200.
///
/// `@unchecked Sendable`: `ids` is only touched under `lock`.
final class AcceptedSessions: @unchecked Sendable {
    private let lock = NSLock()
    private var ids: [String] = []

    /// Adds one and returns how many there are now.
    func add(_ id: String) -> Int { lock.withLock { ids.append(id); return ids.count } }
    var all: [String] { lock.withLock { ids } }
}
