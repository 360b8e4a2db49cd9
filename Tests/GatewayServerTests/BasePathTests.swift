import Foundation
import GatewayCore
import GatewaySimulator
import GatewayTestSupport
import GatewayStore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Opencharge
import Testing

/// `http.base_path = /opencharge` with `public_url = https://pg.example/opencharge`: every route answers under the
/// prefix (a proxy that passes it on) and without it (a proxy that strips it), and a signature over either path
/// form verifies on either.
struct BasePathTests {
    static let base = "/opencharge"

    func get(_ client: any TestClientProtocol, _ path: String) async throws -> TestResponse {
        try await client.execute(uri: path, method: .get)
    }

    func json(_ response: TestResponse) throws -> JSONValue { try JSONParser.parse(Array(response.body.readableBytesView)) }

    /// `POST target` with a checkout body whose request signature covers `signedPath`.
    func create(_ client: any TestClientProtocol, _ fixture: PayFixture, target: String, signedPath: String) async throws -> TestResponse {
        let order = fixture.merchant.order(accepts: [300], createdAt: Int64(fixture.time.now().timeIntervalSince1970))
        let body = fixture.gateway.checkoutBody(order: order, signature: fixture.merchant.sign(order), merchantOcid: 500)
        var headers: HTTPFields = [.contentType: "application/json"]
        for (name, value) in fixture.gateway.sign(path: signedPath, body: body, at: fixture.time.now()) {
            headers[HTTPField.Name(name)!] = value
        }
        return try await client.execute(uri: target, method: .post, headers: headers, body: ByteBuffer(bytes: body))
    }

    @Test(arguments: TestBackend.allCases)
    func publicRoutesAnswerWithAndWithoutThePrefix(backend: TestBackend) async throws {
        let fixture = try PayFixture(backend: backend, basePath: Self.base)
        try await fixture.withServer { client in
            for prefix in [Self.base, ""] {
                let metadata = try await get(client, prefix + "/metadata.json")
                #expect(metadata.status == .ok, "\(prefix)/metadata.json")
                #expect(try json(metadata)["config"]?["endpoint"] == "https://pg.example/opencharge")
                for path in ["/health", "/ready"] {
                    #expect(try await get(client, prefix + path).status == .ok, "\(prefix)\(path)")
                }
            }
            let unknown = try await get(client, Self.base + "/nothing")
            #expect(unknown.status == .notFound)
            #expect(try json(unknown)["error"]?["code"] == "NOT_FOUND")
        }
    }

    /// Full target, without query, base-relative: each verifies whether the prefix reached the gateway or not.
    @Test(arguments: [
        ("/opencharge/checkout/create", "/opencharge/checkout/create"),
        ("/opencharge/checkout/create?trace=1", "/opencharge/checkout/create"),
        ("/opencharge/checkout/create", "/checkout/create"),
        ("/checkout/create", "/opencharge/checkout/create"),
        ("/checkout/create?trace=1", "/opencharge/checkout/create?trace=1"),
        ("/checkout/create", "/checkout/create"),
    ])
    func checkoutVerifiesEverySignedPathForm(target: String, signedPath: String) async throws {
        let fixture = try PayFixture(basePath: Self.base)
        try await fixture.withServer { client in
            let response = try await create(client, fixture, target: target, signedPath: signedPath)
            #expect(response.status == .ok)
            let answer = try CheckoutCreateResponse(json: try json(response))
            #expect(answer.checkoutURL == "https://pg.example/opencharge/pay/" + answer.sessionID)
        }
    }

    @Test func aSignatureOverAnotherPrefixDoesNotVerify() async throws {
        let fixture = try PayFixture(basePath: Self.base)
        try await fixture.withServer { client in
            let response = try await create(client, fixture, target: "/checkout/create", signedPath: "/elsewhere/checkout/create")
            #expect(response.status == .unauthorized)
            #expect(try json(response)["error"]?["code"] == "INVALID_SIGNATURE")
        }
    }

    @Test func capabilitiesAnswerUnderThePrefix() async throws {
        let fixture = try PayFixture(basePath: Self.base)
        try await fixture.withServer { client in
            var headers = HTTPFields()
            for (name, value) in fixture.gateway.sign(method: "GET", path: "/opencharge/capabilities", body: [], at: fixture.time.now()) {
                headers[HTTPField.Name(name)!] = value
            }
            let response = try await client.execute(uri: "/opencharge/capabilities", method: .get, headers: headers)
            #expect(response.status == .ok)
            #expect(try json(response)["ocid"] == 200)
        }
    }

    /// The page's forms post to the public URL's path, where the browser reached the page.
    @Test(arguments: TestBackend.allCases)
    func theHostedPageWorksUnderThePrefix(backend: TestBackend) async throws {
        let fixture = try PayFixture(backend: backend, basePath: Self.base)
        let session = try await fixture.openSession()
        try await fixture.withServer { client in
            let page = try await get(client, "/opencharge/pay/\(session.id)")
            #expect(page.status == .ok)
            #expect(page.html.contains(#"<form method="post" action="/opencharge/pay/\#(session.id)">"#))
            #expect(page.html.contains(#"<form method="post" action="/opencharge/pay/\#(session.id)/cancel">"#))
            let token = try await client.formToken(session.id)
            let paid = try await client.submit("/opencharge/pay/\(session.id)", [("csrf", token), ("choice", "succeed")])
            #expect(paid.status == .seeOther)
            let status = try await get(client, "/opencharge/pay/\(session.id)/status")
            #expect(try json(status) == ["status": "processing"])
            #expect(try await get(client, "/opencharge/pay/cs_00000000000000000000000000000000").status == .notFound)
        }
    }
}
