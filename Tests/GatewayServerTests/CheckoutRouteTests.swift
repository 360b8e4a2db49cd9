import Foundation
import GatewayConfig
import GatewayCore
import GatewayServer
import GatewaySimulator
import GatewayStore
import GatewayTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Opencharge
import Prometheus
import Testing

struct CheckoutRouteTests {
    let merchant = SimulatedMerchant(party: SimulatedParty(ocid: 500, name: "Merchant", endpoint: "https://merchant.example"))
    let gateway = SimulatedMerchantGateway(party: SimulatedParty(ocid: 300, name: "MG", endpoint: "https://mg.example"))
    let identity = GatewayIdentity(ocid: 200, name: "PG", key: .generate(), publicURL: "https://pg.example", currencies: ["USD"])

    func withServer(
        backend: TestBackend = .sqlite, mode: TestingSetup = .router,
        metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        _ test: @Sendable (any TestClientProtocol, any CheckoutSessionStore) async throws -> Void
    ) async throws {
        try await backend.withStores { stores in
            try await withServer(stores: stores, mode: mode, metrics: metrics, test)
        }
    }

    private func withServer(
        stores: GatewayStores, mode: TestingSetup, metrics: PrometheusCollectorRegistry,
        _ test: @Sendable (any TestClientProtocol, any CheckoutSessionStore) async throws -> Void
    ) async throws {
        let sessions = stores.sessions
        let peers = InlinePeerDirectory([merchant.party, gateway.party])
        let acceptor = CheckoutAcceptor(
            identity: identity, checkout: CheckoutSection(),
            authenticator: .openGateway(peers: peers, stores: stores, time: SystemTime()),
            peers: peers, sessions: sessions, drain: DrainState(queue: stores.jobs, time: SystemTime()),
            checkoutURL: CheckoutPageAddress(publicURL: identity.publicURL).url(sessionID:), time: SystemTime(),
            logger: Logger(label: "test"))
        let server = GatewayServer(
            settings: ServerSettings(host: "127.0.0.1", port: 0, bodyLimit: 4096), identity: identity, stores: stores,
            acceptor: acceptor, metrics: metrics, logger: Logger(label: "test"))
        try await server.makeApplication().test(mode) { client in try await test(client, sessions) }
    }

    func signedBody() -> ByteBuffer {
        let order = merchant.order(accepts: [300], createdAt: Int64(Date().timeIntervalSince1970))
        return ByteBuffer(bytes: gateway.checkoutBody(order: order, signature: merchant.sign(order), merchantOcid: 500))
    }

    func headers(for body: ByteBuffer) -> HTTPFields {
        var fields = HTTPFields()
        for (name, value) in gateway.sign(path: "/checkout/create", body: Array(body.readableBytesView), at: Date()) {
            fields[HTTPField.Name(name)!] = value
        }
        fields[.contentType] = "application/json"
        return fields
    }

    func verifiedJSON(_ response: TestResponse) throws -> JSONValue {
        let body = Array(response.body.readableBytesView)
        let canonical = CanonicalResponse(
            ocid: try #require(response.headers[HTTPField.Name("X-OC-ID")!]),
            timestamp: try #require(response.headers[HTTPField.Name("X-OC-Timestamp")!]), status: Int(response.status.code),
            bodyHash: SHA256Digest(hashing: body))
        let signature = try Signature(hex: try #require(response.headers[HTTPField.Name("X-OC-Signature")!]))
        #expect(identity.key.publicKey.verifies(signature, over: canonical.digest))
        return try JSONParser.parse(body)
    }

    @Test(arguments: TestBackend.allCases)
    func acceptsASignedCheckoutAndSignsTheAnswer(backend: TestBackend) async throws {
        try await withServer(backend: backend) { client, sessions in
            let body = signedBody()
            let response = try await client.execute(uri: "/checkout/create", method: .post, headers: headers(for: body), body: body)
            #expect(response.status == .ok)
            let answer = try CheckoutCreateResponse(json: try verifiedJSON(response))
            #expect(try await sessions.session(id: answer.sessionID) != nil)
        }
    }

    @Test func capabilitiesAnswerTheAuthenticatedPartner() async throws {
        try await withServer { client, _ in
            var fields = HTTPFields()
            for (name, value) in gateway.sign(method: "GET", path: "/capabilities", body: [], at: Date()) {
                fields[HTTPField.Name(name)!] = value
            }
            let answer = try verifiedJSON(try await client.execute(uri: "/capabilities", method: .get, headers: fields))
            #expect(answer["ocid"] == 200)
            #expect(answer["capabilities"] == ["checkout.create", "verify.txid", "orders.status"])
            #expect(answer["settlement"]?["currencies"] == ["USD"])
            // Missing authentication headers fail authentication, naming the header (docs/peers.md).
            let anonymous = try await client.execute(uri: "/capabilities", method: .get)
            #expect(anonymous.status == .unauthorized)
            let refusal = try verifiedJSON(anonymous)["error"]
            #expect(refusal?["code"] == "INVALID_SIGNATURE")
            #expect(refusal?["details"]?["header"] == "X-OC-ID")
            var unsigned = HTTPFields()
            for (name, value) in gateway.sign(method: "GET", path: "/capabilities", body: [], at: Date()) {
                unsigned[HTTPField.Name(name)!] = value
            }
            unsigned[HTTPField.Name("X-OC-Signature")!] = String(repeating: "1", count: 128)
            let forged = try await client.execute(uri: "/capabilities", method: .get, headers: unsigned)
            #expect(forged.status == .unauthorized)
            #expect(try verifiedJSON(forged)["error"]?["code"] == "INVALID_SIGNATURE")
        }
    }

    @Test(arguments: TestBackend.allCases)
    func refusesABodyOverTheLimitBeforeParsing(backend: TestBackend) async throws {
        try await withServer(backend: backend) { client, sessions in
            let body = ByteBuffer(bytes: Array(repeating: UInt8(ascii: "a"), count: 5000))
            let response = try await client.execute(uri: "/checkout/create", method: .post, headers: headers(for: body), body: body)
            #expect(response.status.code == 413)
            #expect(try verifiedJSON(response)["error"]?["code"] == "PAYLOAD_TOO_LARGE")
            #expect(try await sessions.count() == 0)
        }
    }

    @Test func errorsAreSignedErrorBodies() async throws {
        try await withServer { client, _ in
            let body = ByteBuffer(string: #"{"order":"#)
            let response = try await client.execute(uri: "/checkout/create", method: .post, headers: headers(for: body), body: body)
            #expect(response.status == .badRequest)
            #expect(try verifiedJSON(response)["error"]?["code"] == "INVALID_REQUEST")
        }
    }

    @Test func metricsAreServedToLocalScrapers() async throws {
        let registry = PrometheusCollectorRegistry()
        registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "ocgate", metricName: "test", unitName: "marker", helpText: "test")).increment(by: Int64(3))
        try await withServer(mode: .live, metrics: registry) { client, _ in
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            #expect(String(buffer: response.body).contains("ocgate_test_marker 3"))
        }
        #expect(!GatewayServer.isLocal(try SocketAddress(ipAddress: "10.0.0.1", port: 1)))
        #expect(!GatewayServer.isLocal(nil))
        #expect(GatewayServer.isLocal(try SocketAddress(ipAddress: "127.0.0.1", port: 1)))
        #expect(GatewayServer.isLocal(try SocketAddress(ipAddress: "::1", port: 1)))
    }
}
