import Foundation
import GatewayCore
import GatewaySimulator
import GatewayStore
import GatewayTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Opencharge
import Testing

/// `docs/openapi.yaml` against the real server: every answer of every documented route, good and bad, must be
/// listed with its status, content type, body schema and required headers; and every documented operation
/// must be exercised here, so the document cannot describe a route that does not exist.
///
/// `POST /bench/checkout-checked` is left out of the document on purpose: it is served only when `ocgate bench
/// checkout` starts a server with `benchmarkCeiling`, never by `ocgate serve`. `benchRouteIsNotServed` holds
/// the default server to that.
struct OpenAPIConformanceTests {
    /// A group of requests against one server; each knows the operations it must exercise.
    enum Scenario: String, CaseIterable, Sendable {
        case publicRoutes, metricsOnLoopback, capabilities, checkoutCreate, rateLimited, draining, hostedCheckout
        case verifyAndOrderStatus

        var operations: Set<OpenAPIDocument.Operation> {
            switch self {
            case .publicRoutes:
                [.init("GET", "/metadata.json"), .init("GET", "/health"), .init("GET", "/ready"), .init("GET", "/metrics")]
            case .metricsOnLoopback: [.init("GET", "/metrics")]
            case .capabilities: [.init("GET", "/capabilities")]
            case .checkoutCreate, .rateLimited: [.init("POST", "/checkout/create")]
            case .draining: [.init("POST", "/checkout/create"), .init("GET", "/ready")]
            case .hostedCheckout:
                [
                    .init("POST", "/checkout/create"), .init("GET", "/pay/{id}"), .init("POST", "/pay/{id}"),
                    .init("POST", "/pay/{id}/cancel"), .init("GET", "/pay/{id}/status"),
                ]
            case .verifyAndOrderStatus: [.init("GET", "/verify/{txid}"), .init("GET", "/orders/{orderId}/status")]
            }
        }
    }

    /// On every backend: the answers come from the stores (sessions, proofs, orders, the drain flag).
    @Test(arguments: Scenario.allCases, TestBackend.allCases)
    func answersAreDocumented(_ scenario: Scenario, backend: TestBackend) async throws {
        let rig = try ConformanceRig(backend: backend)
        switch scenario {
        case .publicRoutes: try await publicRoutes(rig)
        case .metricsOnLoopback: try await metricsOnLoopback(rig)
        case .capabilities: try await capabilities(rig)
        case .checkoutCreate: try await checkoutCreate(rig)
        case .rateLimited: try await rateLimited(rig)
        case .draining: try await draining(rig)
        case .hostedCheckout: try await hostedCheckout(rig)
        case .verifyAndOrderStatus: try await verifyAndOrderStatus(rig)
        }
        #expect(rig.operationsExercised == scenario.operations)
    }

    @Test func everyDocumentedOperationIsExercised() throws {
        let document = try OpenAPIDocument.shipped.get()
        let exercised = Set(Scenario.allCases.flatMap(\.operations))
        #expect(document.operations == exercised, "documented but not exercised: \(document.operations.subtracting(exercised))")
    }

    @Test func theErrorCodeEnumIsTheServersErrorCode() throws {
        let document = try OpenAPIDocument.shipped.get()
        #expect(document.errorCodes == Set(ErrorCode.allCases.map(\.rawValue)))
    }

    @Test func benchRouteIsNotServed() async throws {
        let rig = try ConformanceRig()
        try await rig.withServer { client in
            let body = rig.checkoutBody(rig.order())
            let response = try await client.execute(
                uri: "/bench/checkout-checked", method: .post,
                headers: rig.signedHeaders("POST", "/bench/checkout-checked", body: body), body: ByteBuffer(bytes: body))
            #expect(response.status == .notFound)
        }
    }

    // MARK: Scenarios

    private func publicRoutes(_ rig: ConformanceRig) async throws {
        try await rig.withServer { client in
            for path in ["/metadata.json", "/health", "/ready"] {
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.status == .ok)
                rig.expectDocumented(response, "GET", path)
            }
            // The router test client has no peer address, so it is not a loopback scraper.
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.status == .notFound)
            rig.expectDocumented(metrics, "GET", "/metrics")
        }
    }

    private func metricsOnLoopback(_ rig: ConformanceRig) async throws {
        try await rig.withServer(.live) { client in
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            rig.expectDocumented(response, "GET", "/metrics")
        }
    }

    private func capabilities(_ rig: ConformanceRig) async throws {
        try await rig.withServer { client in
            func get(_ headers: HTTPFields, _ status: HTTPResponse.Status, code: String? = nil) async throws {
                let response = try await client.execute(uri: "/capabilities", method: .get, headers: headers)
                #expect(response.status == status)
                let body = rig.expectDocumented(response, "GET", "/capabilities")
                if let code { #expect(body?["error"]?["code"] == .string(code)) }
            }
            let signed = rig.signedHeaders("GET", "/capabilities")
            #expect(rig.document.requestProblems(signed, for: .init("GET", "/capabilities")).isEmpty)
            #expect(rig.document.requestProblems([:], for: .init("GET", "/capabilities")).count == 4)
            try await get(signed, .ok)
            try await get(signed, .unauthorized, code: "NONCE_REUSED")
            try await get([:], .unauthorized, code: "INVALID_SIGNATURE")
            var malformed = rig.signedHeaders("GET", "/capabilities")
            malformed[HTTPField.Name(OCHeader.timestamp)!] = "soon"
            try await get(malformed, .unauthorized, code: "INVALID_SIGNATURE")
            var forged = rig.signedHeaders("GET", "/capabilities")
            forged[HTTPField.Name(OCHeader.signature)!] = String(repeating: "1", count: 128)
            try await get(forged, .unauthorized, code: "INVALID_SIGNATURE")
            try await get(rig.signedHeaders("GET", "/capabilities", skew: -1000), .unauthorized, code: "TIMESTAMP_EXPIRED")
            try await get(rig.signedHeaders("GET", "/capabilities", by: rig.stranger), .unauthorized, code: "UNKNOWN_OCID")
            try await get(rig.signedHeaders("GET", "/capabilities", by: rig.disabled), .forbidden, code: "CONNECTION_REFUSED")
            try await get(rig.signedHeaders("GET", "/capabilities", by: rig.unreachable), .badGateway, code: "METADATA_UNAVAILABLE")
        }
    }

    private func checkoutCreate(_ rig: ConformanceRig) async throws {
        let schema = try #require(rig.document.requestSchema(.init("POST", "/checkout/create"), mediaType: "application/json"))
        try await rig.withServer { client in
            @discardableResult
            func post(
                _ body: [UInt8], by caller: SimulatedMerchantGateway? = nil, headers: HTTPFields? = nil,
                _ status: HTTPResponse.Status, code: String? = nil
            ) async throws -> JSONValue? {
                let response = try await rig.create(client, body, by: caller, headers: headers)
                #expect(response.status == status)
                let answer = rig.expectDocumented(response, "POST", "/checkout/create")
                if let code { #expect(answer?["error"]?["code"] == .string(code)) }
                return answer
            }
            let order = rig.order()
            let body = rig.checkoutBody(order)
            // What the simulated MG sends is what the document says a request may be.
            #expect(rig.document.validator.problems(try JSONParser.parse(body), against: schema).isEmpty)
            let headers = rig.signedHeaders("POST", "/checkout/create", body: body)
            #expect(rig.document.requestProblems(headers, for: .init("POST", "/checkout/create")).isEmpty)
            let created = try await post(body, headers: headers, .ok)
            let again = try await post(body, .ok)
            #expect(again?["session_id"] == created?["session_id"], "an identical order returns its session")
            let changed = rig.order(id: try #require(order["id"]?.stringValue), amount: "5.00")
            let conflict = try await post(rig.checkoutBody(changed), .conflict, code: "ORDER_CONFLICT")
            #expect(conflict?["error"]?["details"]?["sessionId"] == created?["session_id"])
            let oversized = Array(repeating: UInt8(ascii: "a"), count: ConformanceRig.bodyLimit + 1)
            try await post(oversized, .contentTooLarge, code: "PAYLOAD_TOO_LARGE")
            try await post(Array(#"{"order":"#.utf8), .badRequest, code: "INVALID_REQUEST")
            let incomplete = Array(#"{"order":{},"signature":"00","merchantOcid":500,"urls":{}}"#.utf8)
            let missing = try await post(incomplete, .badRequest, code: "INVALID_REQUEST")
            #expect(missing?["error"]?["details"]?["field"] == "order.id")
            try await post(rig.checkoutBody(rig.order(), merchantOcid: 501), .badRequest, code: "INVALID_SIGNATURE")
            let other = rig.order()
            try await post(rig.checkoutBody(other, signature: rig.merchant.sign(rig.order())), .badRequest, code: "INVALID_SIGNATURE")
            let past = Int64(rig.time.now().timeIntervalSince1970) - 60
            try await post(rig.checkoutBody(rig.order(expiresAt: past)), .badRequest, code: "ORDER_EXPIRED")
            try await post(rig.checkoutBody(rig.order(currency: "EUR")), .badRequest, code: "CURRENCY_MISMATCH")
            try await post(rig.checkoutBody(rig.order(accepts: [301])), .badRequest, code: "SETTLEMENT_NOT_SUPPORTED")
            try await post(body, headers: [.contentType: "application/json"], .unauthorized, code: "INVALID_SIGNATURE")
            let stale = rig.signedHeaders("POST", "/checkout/create", body: body, skew: 1000)
            try await post(body, headers: stale, .unauthorized, code: "TIMESTAMP_EXPIRED")
            try await post(rig.checkoutBody(rig.order()), by: rig.stranger, .unauthorized, code: "UNKNOWN_OCID")
            try await post(rig.checkoutBody(rig.order()), by: rig.disabled, .forbidden, code: "CONNECTION_REFUSED")
            try await post(rig.checkoutBody(rig.order()), by: rig.unreachable, .badGateway, code: "METADATA_UNAVAILABLE")
        }
    }

    private func rateLimited(_ rig: ConformanceRig) async throws {
        try await rig.withServer(rateLimiter: RateLimiter(perSecond: 1, burst: 1, time: rig.time)) { client in
            let first = try await rig.create(client, rig.checkoutBody(rig.order()))
            #expect(first.status == .ok)
            rig.expectDocumented(first, "POST", "/checkout/create")
            let second = try await rig.create(client, rig.checkoutBody(rig.order()))
            #expect(second.status == .tooManyRequests)
            #expect(second.headers[.retryAfter] == "1")
            rig.expectDocumented(second, "POST", "/checkout/create")
        }
    }

    private func draining(_ rig: ConformanceRig) async throws {
        try await rig.stores.jobs.setDraining(true)
        try await rig.withServer { client in
            let refused = try await rig.create(client, rig.checkoutBody(rig.order()))
            #expect(refused.status == .serviceUnavailable)
            #expect(refused.headers[.retryAfter] != nil)
            rig.expectDocumented(refused, "POST", "/checkout/create")
            let ready = try await client.execute(uri: "/ready", method: .get)
            #expect(ready.status == .serviceUnavailable)
            rig.expectDocumented(ready, "GET", "/ready")
        }
    }

    private func hostedCheckout(_ rig: ConformanceRig) async throws {
        try await rig.withServer { client in
            func session() async throws -> String {
                let response = try await rig.create(client, rig.checkoutBody(rig.order()))
                let body = rig.expectDocumented(response, "POST", "/checkout/create")
                return try #require(body?["session_id"]?.stringValue)
            }
            func expect(_ response: TestResponse, _ status: HTTPResponse.Status, _ method: String, _ path: String) {
                #expect(response.status == status, "\(method) \(path)")
                rig.expectDocumented(response, method, path)
            }
            let paid = try await session()
            let cancelled = try await session()
            let token = try await client.formToken(paid)
            let unknown = "cs_00000000000000000000000000000000"
            let oversized = [("csrf", String(repeating: "a", count: 5000))]

            expect(try await client.page(paid), .ok, "GET", "/pay/{id}")
            expect(try await client.page(unknown), .notFound, "GET", "/pay/{id}")
            expect(try await client.execute(uri: "/pay/\(paid)/status", method: .get), .ok, "GET", "/pay/{id}/status")
            expect(try await client.execute(uri: "/pay/\(unknown)/status", method: .get), .notFound, "GET", "/pay/{id}/status")

            expect(try await client.submit("/pay/\(paid)", [("csrf", "00"), ("choice", "succeed")]), .forbidden, "POST", "/pay/{id}")
            expect(try await client.submit("/pay/\(paid)", [("csrf", token)]), .badRequest, "POST", "/pay/{id}")
            expect(try await client.submit("/pay/\(paid)", oversized), .badRequest, "POST", "/pay/{id}")
            expect(try await client.submit("/pay/\(unknown)", [("csrf", token), ("choice", "succeed")]), .notFound, "POST", "/pay/{id}")
            expect(try await client.submit("/pay/\(paid)", [("csrf", token), ("choice", "decline")]), .ok, "POST", "/pay/{id}")
            let redirect = try await client.submit("/pay/\(paid)", [("csrf", token), ("choice", "succeed")])
            expect(redirect, .seeOther, "POST", "/pay/{id}")
            #expect(redirect.headers[.location] == "https://merchant.example/ok")

            let cancelToken = try await client.formToken(cancelled)
            expect(try await client.submit("/pay/\(cancelled)/cancel", [("csrf", token)]), .forbidden, "POST", "/pay/{id}/cancel")
            expect(try await client.submit("/pay/\(cancelled)/cancel", oversized), .badRequest, "POST", "/pay/{id}/cancel")
            expect(try await client.submit("/pay/\(unknown)/cancel", [("csrf", cancelToken)]), .notFound, "POST", "/pay/{id}/cancel")
            let cancel = try await client.submit("/pay/\(cancelled)/cancel", [("csrf", cancelToken)])
            expect(cancel, .seeOther, "POST", "/pay/{id}/cancel")
            #expect(cancel.headers[.location] == "https://merchant.example/cancel")
            expect(try await client.submit("/pay/\(cancelled)/cancel", [("csrf", cancelToken)]), .seeOther, "POST", "/pay/{id}/cancel")
            expect(try await client.submit("/pay/\(paid)/cancel", [("csrf", token)]), .ok, "POST", "/pay/{id}/cancel")
            expect(try await client.page(cancelled), .ok, "GET", "/pay/{id}")
        }
    }

    /// An order through its life as its MG polls it, and its proof fetched again by txid as after a lost webhook.
    private func verifyAndOrderStatus(_ rig: ConformanceRig) async throws {
        try await rig.withServer { client in
            @discardableResult
            func status(
                _ orderID: String, query: String = "", by caller: SimulatedMerchantGateway? = nil, headers: HTTPFields? = nil,
                _ expected: HTTPResponse.Status, code: String? = nil
            ) async throws -> JSONValue? {
                let target = "/orders/\(orderID)/status" + query
                let fields = headers ?? rig.signedHeaders("GET", target, by: caller)
                let response = try await client.execute(uri: target, method: .get, headers: fields)
                #expect(response.status == expected, "\(target)")
                let body = rig.expectDocumented(response, "GET", "/orders/{orderId}/status")
                if let code { #expect(body?["error"]?["code"] == .string(code), "\(target)") }
                return body
            }
            func checkout(_ orderID: String) async throws -> String {
                let response = try await rig.create(client, rig.checkoutBody(rig.order(id: orderID)))
                #expect(response.status == .ok)
                return try #require(try JSONParser.parse(Array(response.body.readableBytesView))["session_id"]?.stringValue)
            }
            #expect(rig.document.requestProblems(rig.signedHeaders("GET", "/orders/x/status"), for: .init("GET", "/orders/{orderId}/status")).isEmpty)

            let paidSession = try await checkout("ord_paid")
            let pending = try await status("ord_paid", .ok)
            #expect(pending == ["merchantOcid": 500, "orderId": "ord_paid", "sessionId": .string(paidSession), "status": "pending"])
            let token = try await client.formToken(paidSession)
            #expect(try await client.submit("/pay/\(paidSession)", [("csrf", token), ("choice", "succeed")]).status == .seeOther)
            #expect(try await status("ord_paid", .ok)?["status"] == "pending", "processing: paid only once the proof exists")
            try await rig.issueProofs()
            let proof = try #require(try await rig.stores.proofs.proof(sessionID: paidSession))
            let paid = try await status("ord_paid", .ok)
            #expect(paid?["status"] == "paid")
            #expect(paid?["txid"] == .string(proof.txid))
            #expect(paid?["paidAt"] == .integer(Int64(proof.issuedAt.timeIntervalSince1970)))
            try await status("ord_paid", query: "?merchantOcid=500", .ok)

            let verify = try await client.execute(uri: "/verify/\(proof.txid)", method: .get)
            #expect(verify.status == .ok)
            rig.expectDocumented(verify, "GET", "/verify/{txid}")
            let bytes = Array(verify.body.readableBytesView)
            // The webhook's bytes exactly (stored, signed, delivered), with the status after them.
            #expect(bytes == proof.webhookBody.dropLast() + Array(#","status":"completed"}"#.utf8))
            let answer = try JSONParser.parse(bytes)
            let signature = try Signature(hex: try #require(answer["signature"]?.stringValue))
            #expect(rig.identity.key.publicKey.verifyObject(try #require(answer["proof"]), signature: signature, allowLegacy: false) != nil)
            #expect(answer["proof"]?["txid"] == .string(proof.txid))
            let unknown = try await client.execute(uri: "/verify/pg_tx_000000000000000000000000", method: .get)
            #expect(unknown.status == .notFound)
            #expect(rig.expectDocumented(unknown, "GET", "/verify/{txid}")?["error"]?["code"] == "TXID_NOT_FOUND")

            // Only the caller's own orders, and nobody learns whether another MG's order exists.
            try await status("ord_paid", by: rig.rival, .notFound, code: "ORDER_NOT_FOUND")
            try await status("ord_missing", .notFound, code: "ORDER_NOT_FOUND")
            try await status("ord_paid", query: "?merchantOcid=501", .notFound, code: "ORDER_NOT_FOUND")
            try await status("ord_paid", query: "?merchantOcid=five", .badRequest, code: "INVALID_REQUEST")
            try await status("ord_paid", headers: [:], .unauthorized, code: "INVALID_SIGNATURE")
            let replayed = rig.signedHeaders("GET", "/orders/ord_paid/status")
            try await status("ord_paid", headers: replayed, .ok)
            try await status("ord_paid", headers: replayed, .unauthorized, code: "NONCE_REUSED")
            try await status("ord_paid", by: rig.disabled, .forbidden, code: "CONNECTION_REFUSED")
            try await status("ord_paid", by: rig.unreachable, .badGateway, code: "METADATA_UNAVAILABLE")

            let cancelled = try await checkout("ord 2")
            let cancelToken = try await client.formToken(cancelled)
            #expect(try await client.submit("/pay/\(cancelled)/cancel", [("csrf", cancelToken)]).status == .seeOther)
            #expect(try await status("ord%202", .ok)?["status"] == "cancelled")

            let expiring = try await checkout("ord_expiring")
            rig.time.advance(by: .seconds(1801))
            let expired = try await status("ord_expiring", .ok)
            #expect(expired?["status"] == "expired" && expired?["sessionId"] == .string(expiring))
            #expect(try await status("ord_paid", .ok)?["status"] == "paid")
        }
    }
}
