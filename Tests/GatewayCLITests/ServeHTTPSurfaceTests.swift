import Foundation
import GatewayCore
import GatewayOutbound
import GatewaySimulator
import GatewayStorePostgres
import GatewayTestSupport
import Logging
import Opencharge
import Testing

/// Issue 18's HTTP surface against a real `ocgate serve` on loopback, as a Merchant Gateway, a proxy, a
/// customer's browser and an operator meet it: auth header failures are 401, `http.base_path` is served with and
/// without its prefix, unknown sessions are 404 on every `/pay/{id}` route, a drain from another process is exact,
/// and orders and proofs can be looked up; on every backend (`TestBackend`), and on PostgreSQL through pgbouncer.
@Suite(.timeLimit(.minutes(3)))
struct ServeHTTPSurfaceTests {
    let merchant = SimulatedMerchant(party: SimulatedParty(ocid: 500, name: "Merchant", endpoint: "https://merchant.example"))
    let gateway = SimulatedMerchantGateway(party: SimulatedParty(ocid: 300, name: "MG", endpoint: "https://mg.example"))
    let client = OutboundClient(policy: OutboundPolicy(allowLoopback: true), maxConnections: 4, logger: Logger(label: "test"))

    func send(_ method: String, _ url: String, headers: [String: String] = [:], body: [UInt8] = []) async throws -> OutboundResponse {
        try await client.send(OutboundRequest(
            method: method, url: url, headers: headers.map { (name: $0.key, value: $0.value) }, body: body, timeout: .seconds(10)))
    }

    /// A checkout body for a fresh order and its request headers, signed over `signedPath`.
    func checkout(signedPath: String) -> (body: [UInt8], headers: [String: String]) {
        let order = merchant.order(accepts: [300], createdAt: Int64(Date().timeIntervalSince1970))
        let body = gateway.checkoutBody(order: order, signature: merchant.sign(order), merchantOcid: 500)
        var headers = gateway.sign(path: signedPath, body: body, at: Date())
        headers["Content-Type"] = "application/json"
        return (body, headers)
    }

    func error(_ response: OutboundResponse) throws -> JSONValue? { try JSONParser.parse(response.body)["error"] }

    @Test(arguments: TestBackend.allCases)
    func authHeaderFailuresAre401NamingTheHeader(backend: TestBackend) async throws {
        let served = try await ServedGateway.start(resolving: [gateway.party, merchant.party], backend: backend)
        defer { served.stop() }
        let anonymous = try await send("GET", served.socket + "/capabilities")
        #expect(anonymous.status == 401)
        #expect(try error(anonymous)?["code"] == "INVALID_SIGNATURE")
        #expect(try error(anonymous)?["details"] == ["header": "X-OC-ID", "problem": "missing"])

        let cases: [(header: String, value: String?)] = [
            (OCHeader.id, "three hundred"), (OCHeader.timestamp, "soon"), (OCHeader.nonce, nil), (OCHeader.signature, nil),
        ]
        for (header, value) in cases {
            var request = checkout(signedPath: "/checkout/create")
            request.headers[header] = value
            let refused = try await send("POST", served.socket + "/checkout/create", headers: request.headers, body: request.body)
            #expect(refused.status == 401, "\(header)")
            #expect(try error(refused)?["code"] == "INVALID_SIGNATURE")
            #expect(try error(refused)?["details"]?["header"]?.stringValue == header)
        }
        // The same request, well signed, is taken: only the header made the difference.
        let request = checkout(signedPath: "/checkout/create")
        #expect(try await send("POST", served.socket + "/checkout/create", headers: request.headers, body: request.body).status == 200)
    }

    @Test(arguments: TestBackend.allCases)
    func aBasePathIsServedWithAndWithoutItsPrefix(backend: TestBackend) async throws {
        let served = try await ServedGateway.start(
            resolving: [gateway.party, merchant.party], basePath: "/opencharge", backend: backend)
        defer { served.stop() }
        #expect(served.publicURL.hasSuffix("/opencharge"))
        for url in [served.publicURL, served.socket] {
            let metadata = try await send("GET", url + "/metadata.json")
            #expect(metadata.status == 200, "\(url)/metadata.json")
            #expect(try JSONParser.parse(metadata.body)["config"]?["endpoint"]?.stringValue == served.publicURL)
            for path in ["/health", "/ready", "/metrics"] {
                #expect(try await send("GET", url + path).status == 200, "\(url)\(path)")
            }
        }

        // A proxy that passes the prefix on: the full path is signed and received.
        let direct = checkout(signedPath: "/opencharge/checkout/create")
        let created = try await send("POST", served.publicURL + "/checkout/create", headers: direct.headers, body: direct.body)
        #expect(created.status == 200)
        let answer = try CheckoutCreateResponse(json: try JSONParser.parse(created.body))
        #expect(answer.checkoutURL == served.publicURL + "/pay/" + answer.sessionID)

        // A proxy that strips it: the caller signed the full path, the gateway receives the relative one.
        let stripped = checkout(signedPath: "/opencharge/checkout/create")
        #expect(try await send("POST", served.socket + "/checkout/create", headers: stripped.headers, body: stripped.body).status == 200)
        // A caller that signs base-relative, with a query on the wire.
        let relative = checkout(signedPath: "/checkout/create")
        let queried = try await send(
            "POST", served.publicURL + "/checkout/create?trace=1", headers: relative.headers, body: relative.body)
        #expect(queried.status == 200)

        // The customer follows checkout_url; the page's form posts back under the prefix.
        let page = try await send("GET", answer.checkoutURL)
        #expect(page.status == 200)
        #expect(String(decoding: page.body, as: UTF8.self).contains(#"action="/opencharge/pay/\#(answer.sessionID)""#))
        let customer = SimulatedCustomer(gatewayURL: served.publicURL, formToken: FormToken(gatewayKey: served.key))
        #expect(try await client.send(customer.pay(answer.sessionID)).status == 303)
        // The 303 came once the proof was issued (issue 18 item 9), so the session is complete already.
        let status = try await send("GET", answer.checkoutURL + "/status")
        #expect(try JSONParser.parse(status.body) == ["status": "completed"])
    }

    @Test(arguments: TestBackend.allCases)
    func unknownSessionsAre404OnEveryPayRoute(backend: TestBackend) async throws {
        let served = try await ServedGateway.start(resolving: [gateway.party, merchant.party], backend: backend)
        defer { served.stop() }
        let pay = served.socket + "/pay/cs_00000000000000000000000000000000"
        let page = try await send("GET", pay)
        #expect(page.status == 404)
        #expect(String(decoding: page.body, as: UTF8.self).contains("Checkout not found"))
        let status = try await send("GET", pay + "/status")
        #expect(status.status == 404)
        #expect(try error(status)?["code"] == "NOT_FOUND")
        let form = ["Content-Type": "application/x-www-form-urlencoded"]
        let bodies: [(headers: [String: String], body: String)] = [
            (form, ""), (form, "choice=succeed"), (form, "csrf=00"), (form, "csrf=" + String(repeating: "a", count: 5000)),
            (["Content-Type": "application/json"], #"{"csrf":1}"#),
        ]
        for path in [pay, pay + "/cancel"] {
            for (headers, body) in bodies {
                let response = try await send("POST", path, headers: headers, body: Array(body.utf8))
                #expect(response.status == 404, "POST \(path) \(body.prefix(20))")
            }
        }
    }

    /// A signed checkout of a fresh order to `served`; `expiresAt` in the past makes one that every check up to the
    /// order's expiry passes, so it is refused without storing anything.
    func create(at served: ServedGateway, orderID: String? = nil, expiresAt: Int64? = nil) async throws -> OutboundResponse {
        let now = Int64(Date().timeIntervalSince1970)
        let order = merchant.order(
            id: orderID ?? "ord_" + UUID().uuidString.lowercased(), accepts: [300], createdAt: now - 60, expiresAt: expiresAt)
        let body = gateway.checkoutBody(order: order, signature: merchant.sign(order), merchantOcid: 500)
        var headers = gateway.sign(path: "/checkout/create", body: body, at: Date())
        headers["Content-Type"] = "application/json"
        return try await send("POST", served.socket + "/checkout/create", headers: headers, body: body)
    }

    /// `ocgate jobs drain` in its own process against a live `serve --no-workers` on the same spool: the moment it
    /// returns, with success or on its timeout, the server refuses checkouts; the moment `resume` returns, it takes
    /// them again. Each time the server's early check has just seen "not draining" (a request that got past it),
    /// so only the store's own read of the flag can refuse.
    @Test(arguments: TestBackend.allCases)
    func drainFromAnotherProcessIsExactAndResumeReopens(backend: TestBackend) async throws {
        let served = try await ServedGateway.start(resolving: [gateway.party, merchant.party], backend: backend)
        defer { served.stop() }
        func expectDraining(_ response: OutboundResponse) throws {
            #expect(response.status == 503)
            #expect(try error(response)?["code"] == "DRAINING")
            #expect(response.headers["retry-after"] == "30")
        }
        func run(_ arguments: [String], exitsWith status: Int32) async throws -> OCGateProcess.Ending {
            let ending = try await served.ocgate(arguments)
            #expect(ending.exited && ending.result.status == status, "\(arguments): \(ending.result.stderr)")
            return ending
        }
        // Nothing pending: the drain succeeds.
        let warm = try await create(at: served, expiresAt: Int64(Date().timeIntervalSince1970) - 1)
        #expect(warm.status == 400)
        #expect(try error(warm)?["code"] == "ORDER_EXPIRED")
        _ = try await run(["jobs", "drain", "--timeout", "60s"], exitsWith: 0)
        try expectDraining(try await create(at: served))
        _ = try await run(["jobs", "resume"], exitsWith: 0)
        let accepted = try await create(at: served)
        #expect(accepted.status == 200)

        // A charge the sandbox keeps pending leaves a `payment.poll` job due later; an operator's cancel and retry make
        // it due now, and no worker runs it: the drain times out, the flag stays.
        let session = try CheckoutCreateResponse(json: try JSONParser.parse(accepted.body)).sessionID
        let customer = SimulatedCustomer(gatewayURL: served.publicURL, formToken: FormToken(gatewayKey: served.key))
        #expect(try await client.send(customer.pay(session, choice: "delay")).status == 200)
        let polls = try await run(["jobs", "list", "--kind", "payment.poll", "--json"], exitsWith: 0)
        let poll = try #require(try JSONParser.parse(Array(polls.result.stdout.utf8))["jobs"]?.arrayValue?.first?["id"]?.numberValue?.int64Value)
        _ = try await run(["jobs", "cancel", String(poll)], exitsWith: 0)
        _ = try await run(["jobs", "retry", String(poll)], exitsWith: 0)
        let timedOut = try await run(["jobs", "drain", "--timeout", "0"], exitsWith: 1)
        #expect(timedOut.result.stderr.contains("drain timed out"))
        try expectDraining(try await create(at: served))
        #expect(try await send("GET", served.socket + "/ready").status == 503)
        _ = try await run(["jobs", "resume"], exitsWith: 0)
        #expect(try await create(at: served).status == 200)
    }

    /// A deployment behind pgbouncer in session mode (`docs/operations.md`): every connection of `store migrate`,
    /// `serve --no-workers` and the operator's commands goes through it. pgbouncer refused each one at connect while
    /// ocgate sent its statement timeout as a startup parameter (`unsupported startup parameter: statement_timeout`).
    /// Fails (never skips) without `OCGATE_TEST_POSTGRES_URL` and `OCGATE_TEST_PGBOUNCER_URL`.
    @Test func aDeploymentBehindPgBouncerMigratesServesAndOperates() async throws {
        let database = try await PostgresTestDatabase.empty()
        defer { database.drop() }
        let url = try TestPgBouncer.url(database: database.configuration.database)
        let store = ["OCGATE_STORE_BACKEND": "postgres", "OCGATE_STORE_POSTGRES_URL": url]
        let config = OCGateProcess.packageRoot.appendingPathComponent("config/ocgate.toml").path
        let migrated = try OCGateProcess.run(["store", "migrate", "--config", config], environment: store)
        #expect(migrated.status == 0, "\(migrated.stderr)")

        let served = try await ServedGateway.start(resolving: [gateway.party, merchant.party], settings: store)
        defer { served.stop() }
        let answer = try await create(at: served)
        #expect(answer.status == 200, "\(String(decoding: answer.body, as: UTF8.self))")
        let created = try CheckoutCreateResponse(json: try JSONParser.parse(answer.body))

        let shown = try await served.ocgate(["sessions", "show", created.sessionID, "--json"])
        #expect(shown.exited && shown.result.status == 0, "\(shown.result.stderr)")
        let session = try JSONParser.parse(shown.result.stdout)
        #expect(session["id"]?.stringValue == created.sessionID && session["status"] == "pending", "\(shown.result.stdout)")
    }

    /// The MG polls its order and, its webhook lost, fetches the proof by txid, against a live `ocgate serve`.
    @Test(arguments: TestBackend.allCases)
    func ordersAndProofsAreLookedUpFromOutside(backend: TestBackend) async throws {
        let served = try await ServedGateway.start(resolving: [gateway.party, merchant.party], backend: backend)
        defer { served.stop() }
        let metadata = try JSONParser.parse(try await send("GET", served.socket + "/metadata.json").body)
        #expect(metadata["config"]?["capabilities"] == ["checkout.create", "verify.txid", "orders.status"])

        let orderID = "ord_" + UUID().uuidString.lowercased()
        let created = try CheckoutCreateResponse(json: try JSONParser.parse(try await create(at: served, orderID: orderID).body))
        let path = "/orders/\(orderID)/status"
        let polled = try await send("GET", served.socket + path, headers: gateway.sign(method: "GET", path: path, body: [], at: Date()))
        #expect(polled.status == 200)
        #expect(try JSONParser.parse(polled.body) == [
            "merchantOcid": 500, "orderId": .string(orderID), "sessionId": .string(created.sessionID), "status": "pending",
        ])
        let unsigned = try await send("GET", served.socket + path)
        #expect(unsigned.status == 401)
        let unknown = try await send("GET", served.socket + "/verify/pg_tx_0000000000000000")
        #expect(unknown.status == 404)
        #expect(try error(unknown)?["code"] == "TXID_NOT_FOUND")
        #expect(unknown.headers["x-oc-signature"] != nil, "a signed answer (§3.5)")
    }
}
