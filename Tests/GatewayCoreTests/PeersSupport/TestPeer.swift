import Foundation
import GatewayConfig
import GatewayCore
import GatewayOutbound
import GatewayStore
import Logging
import Opencharge

/// A simulated peer: its key, and metadata documents in each form the tests need.
struct TestPeer {
    let ocid: UInt64
    let key: PrivateKey
    var name = "Test MG"
    var endpoint = "https://mg.example/opencharge"

    init(ocid: UInt64, key: PrivateKey = .generate()) {
        self.ocid = ocid
        self.key = key
    }

    var config: JSONValue {
        [
            "publicKey": .string(key.publicKey.hex),
            "endpoint": .string(endpoint),
            "capabilities": ["transfer.webhook"],
            "settlement": ["currencies": ["USD"], "accepts": [100, 200]],
        ]
    }

    /// The nested form with `config` signed by `signer` (the peer's own key unless a test forges it).
    func nested(signedBy signer: PrivateKey? = nil, previousKey: PublicKey? = nil) -> [UInt8] {
        var document = JSONObject([
            ("opencharge", "0.1"), ("name", .string(name)), ("config", config),
            ("signature", .string((signer ?? key).signObject(config).hex)),
        ])
        if let previousKey { document["previousKey"] = .string(previousKey.hex) }
        return CanonicalJSON.encode(.object(document))
    }

    /// The legacy flat form: no `config`, no signature.
    var flat: [UInt8] {
        CanonicalJSON.encode([
            "opencharge": "0.1", "name": .string(name), "publicKey": .string(key.publicKey.hex),
            "endpoint": .string(endpoint), "capabilities": ["transfer.webhook"],
        ])
    }

    /// A request from this peer, signed over `signedPath` (the target itself unless a test says otherwise).
    func request(
        _ method: String = "POST", target: String = "/checkout/create", signedPath: String? = nil,
        body: String = #"{"a":1}"#, timestamp: Int64, nonce: String = Nonce.generate(), signer: PrivateKey? = nil
    ) -> IncomingRequest {
        let headers = (signer ?? key).signRequest(
            ocid: ocid, method: method, path: signedPath ?? target, body: Array(body.utf8), timestamp: timestamp,
            nonce: nonce)
        return IncomingRequest(
            method: method, target: target, headers: Dictionary(uniqueKeysWithValues: headers.fields.map { ($0.name, $0.value) }),
            body: Array(body.utf8))
    }
}

/// Loopback-only outbound client shared by the peer tests.
let loopbackClient = OutboundClient(
    policy: OutboundPolicy(allowLoopback: true), logger: Logger(label: "test.outbound"))

/// A unique document name for one test.
func uniqueName(_ prefix: String = "doc") -> String { "\(prefix)-\(UUID().uuidString)" }

/// A valid configuration for the peer tests (registry and spool paths set by each test).
enum GatewayConfigurationFixture {
    static func make() -> GatewayConfiguration {
        GatewayConfiguration(
            gateway: GatewaySection(
                ocid: 200, name: "Test PG", keyFile: "unused", publicURL: "http://127.0.0.1:8080", currencies: ["USD"]))
    }
}
