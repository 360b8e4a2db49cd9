import Foundation
import HTTPTypes
import GatewayCore
import GatewayServer
import GatewayStore
import GatewayTestSupport
import Hummingbird
import HummingbirdTesting
import Logging
import Opencharge
import Testing

/// The public face as a Merchant Gateway sees it: every JSON answer signed with the published key.
struct PublicRoutesTests {
    let identity = GatewayIdentity(
        ocid: 200, name: "Test <Gateway>", key: PrivateKey.generate(), publicURL: "https://pg.example/opencharge",
        currencies: ["USD", "EUR"], previousKey: PrivateKey.generate().publicKey, keyRotatedAt: 1_800_000_000)

    func withServer(
        backend: TestBackend = .sqlite, _ test: @Sendable (any TestClientProtocol, GatewayStores) async throws -> Void
    ) async throws {
        try await backend.withStores { stores in
            let server = GatewayServer(
                settings: ServerSettings(host: "127.0.0.1", port: 0, bodyLimit: 65_536), identity: identity, stores: stores,
                acceptor: nil, logger: Logger(label: "test"))
            try await server.makeApplication().test(.router) { client in try await test(client, stores) }
        }
    }

    /// Checks the §3.5 response signature and returns the parsed body.
    func verifiedBody(_ response: TestResponse, status: Int) throws -> JSONValue {
        #expect(response.status.code == status)
        #expect(response.headers[.contentType] == "application/json")
        let body = Array(response.body.readableBytesView)
        let ocid = try #require(response.headers[HTTPField.Name("X-OC-ID")!])
        let timestamp = try #require(response.headers[HTTPField.Name("X-OC-Timestamp")!])
        let signature = try Signature(hex: try #require(response.headers[HTTPField.Name("X-OC-Signature")!]))
        #expect(ocid == "200")
        let canonical = CanonicalResponse(ocid: ocid, timestamp: timestamp, status: status, bodyHash: SHA256Digest(hashing: body))
        #expect(identity.key.publicKey.verifies(signature, over: canonical.digest))
        return try JSONParser.parse(body)
    }

    @Test func metadataIsNestedAndItsConfigSignatureVerifies() async throws {
        try await withServer { client, _ in
            let response = try await client.execute(uri: "/metadata.json", method: .get)
            let document = try verifiedBody(response, status: 200)
            #expect(document["opencharge"] == "0.1")
            #expect(document["name"] == "Test <Gateway>")
            let config = try #require(document["config"])
            #expect(config["endpoint"] == "https://pg.example/opencharge")
            #expect(config["settlement"]?["currencies"] == ["USD", "EUR"])
            let published = try PublicKey(hex: try #require(config["publicKey"]?.stringValue))
            #expect(published == identity.key.publicKey)
            let signature = try Signature(hex: try #require(document["signature"]?.stringValue))
            #expect(published.verifyObject(config, signature: signature, allowLegacy: false) == .recursive)
            #expect(document["previousKey"]?.stringValue == identity.previousKey?.hex)
            #expect(document["keyRotatedAt"] == .integer(1_800_000_000))
        }
    }

    @Test func previousKeyLeavesTheServedMetadataWhenTheGraceEnds() async throws {
        let time = ManualTime(Date(timeIntervalSince1970: 1_800_000_000))
        let rotated = GatewayIdentity(
            ocid: 200, name: "Test", key: PrivateKey.generate(), publicURL: "https://pg.example", currencies: ["USD"],
            previousKey: PrivateKey.generate().publicKey, keyRotatedAt: 1_800_000_000, previousKeyGraceUntil: 1_800_000_060)
        let server = GatewayServer(
            settings: ServerSettings(host: "127.0.0.1", port: 0, bodyLimit: 65_536), identity: rotated,
            stores: try TestStores.sqlite(), acceptor: nil, time: time, logger: Logger(label: "test"))
        try await server.makeApplication().test(.router) { client in
            let during = try JSONParser.parse(Array(try await client.execute(uri: "/metadata.json", method: .get).body.readableBytesView))
            #expect(during["previousKey"]?.stringValue == rotated.previousKey?.hex)
            time.advance(by: .seconds(60))
            let after = try JSONParser.parse(Array(try await client.execute(uri: "/metadata.json", method: .get).body.readableBytesView))
            #expect(after["previousKey"] == nil)
            #expect(after["keyRotatedAt"] == nil)
            #expect(after["config"] == during["config"])
            #expect(after["signature"] == during["signature"])
        }
    }

    /// Readiness reads the drain flag from the store, so it runs on every backend.
    @Test(arguments: TestBackend.allCases)
    func healthAndReadiness(backend: TestBackend) async throws {
        try await withServer(backend: backend) { client, stores in
            #expect(try verifiedBody(try await client.execute(uri: "/health", method: .get), status: 200) == ["status": "ok"])
            #expect(try verifiedBody(try await client.execute(uri: "/ready", method: .get), status: 200) == ["status": "ready"])
            try await stores.jobs.setDraining(true)
            let draining = try verifiedBody(try await client.execute(uri: "/ready", method: .get), status: 503)
            #expect(draining["problems"] == ["draining"])
        }
    }

    @Test func unknownRoutesGetTheErrorBody() async throws {
        try await withServer { client, _ in
            let body = try verifiedBody(try await client.execute(uri: "/no/such/route", method: .get), status: 404)
            #expect(body["error"]?["code"] == "NOT_FOUND")
            #expect(body["error"]?["message"]?.stringValue?.contains("/no/such/route") == true)
        }
    }
}
