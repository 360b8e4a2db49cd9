import Foundation
import GatewayCore
import GatewayStore
import Logging
import Opencharge

/// Another Opencharge service in a test: its own OCID, key and metadata, signing like spec §10 says.
public struct SimulatedParty: Sendable {
    public let ocid: UInt64
    public let name: String
    public let key: PrivateKey
    public var endpoint: String
    public var capabilities: [String]
    public var currencies: [String]
    public var accepts: [UInt64]
    public var previousKey: PublicKey?

    public init(
        ocid: UInt64, name: String, key: PrivateKey = .generate(), endpoint: String, capabilities: [String] = [],
        currencies: [String] = ["USD"], accepts: [UInt64] = [], previousKey: PublicKey? = nil
    ) {
        self.ocid = ocid
        self.name = name
        self.key = key
        self.endpoint = endpoint
        self.capabilities = capabilities
        self.currencies = currencies
        self.accepts = accepts
        self.previousKey = previousKey
    }

    /// What a directory would return for this party.
    public var metadata: PeerMetadata {
        PeerMetadata(
            ocid: ocid, name: name, publicKey: key.publicKey, previousKey: previousKey, endpoint: endpoint,
            capabilities: capabilities, currencies: currencies, accepts: accepts)
    }

    /// The nested, signed `metadata.json` document (spec §1.3).
    public var metadataDocument: JSONValue {
        let config: JSONValue = [
            "publicKey": .string(key.publicKey.hex), "endpoint": .string(endpoint),
            "capabilities": .array(capabilities.map { .string($0) }),
            "settlement": [
                "currencies": .array(currencies.map { .string($0) }), "accepts": .array(accepts.map { .integer($0) }),
            ],
        ]
        var document = JSONObject([
            ("opencharge", "0.1"), ("name", .string(name)), ("config", config),
            ("signature", .string(key.signObject(config).hex)),
        ])
        if let previousKey { document["previousKey"] = .string(previousKey.hex) }
        return .object(document)
    }
}

/// The simulated merchant: makes and signs orders with the recursive canonical JSON.
public struct SimulatedMerchant: Sendable {
    public var party: SimulatedParty

    public init(party: SimulatedParty) { self.party = party }

    public func order(
        id: String = "ord_" + UUID().uuidString.lowercased(), amount: String = "99.99", currency: String = "USD",
        accepts: [UInt64], createdAt: Int64, expiresAt: Int64? = nil,
        items: [JSONValue] = [["id": "item_001", "name": "Product A", "quantity": 1, "price": "99.99"]]
    ) -> JSONValue {
        var order = JSONObject([
            ("id", .string(id)), ("ocid", .integer(party.ocid)), ("reference", "INV-001"), ("amount", .string(amount)),
            ("currency", .string(currency)), ("items", .array(items)), ("memo", "Order from Merchant Store"),
            ("createdAt", .integer(createdAt)), ("accepts", .array(accepts.map { .integer($0) })),
        ])
        if let expiresAt { order["expiresAt"] = .integer(expiresAt) }
        return .object(order)
    }

    public func sign(_ order: JSONValue) -> String { party.key.signObject(order).hex }
}

/// The simulated Merchant Gateway: wraps merchant orders into signed `/checkout/create` requests.
public struct SimulatedMerchantGateway: Sendable {
    public var party: SimulatedParty

    public init(party: SimulatedParty) { self.party = party }

    /// The request body, compact, as a real MG would send it.
    public func checkoutBody(
        order: JSONValue, signature: String, merchantOcid: UInt64,
        urls: JSONValue = ["success": "https://merchant.example/ok", "cancel": "https://merchant.example/cancel"]
    ) -> [UInt8] {
        CanonicalJSON.encode(["order": order, "signature": .string(signature), "merchantOcid": .integer(merchantOcid), "urls": urls])
    }

    /// Fresh `X-OC-*` headers over `body` for `path`.
    public func sign(method: String = "POST", path: String, body: [UInt8], at time: Date, nonce: String = Nonce.generate())
        -> [String: String]
    {
        let signed = party.key.signRequest(
            ocid: party.ocid, method: method, path: path, body: body, timestamp: Int64(time.timeIntervalSince1970), nonce: nonce)
        return Dictionary(uniqueKeysWithValues: signed.fields.map { ($0.name, $0.value) })
    }

    public func request(path: String = "/checkout/create", body: [UInt8], at time: Date, nonce: String = Nonce.generate())
        -> IncomingRequest
    {
        IncomingRequest(method: "POST", target: path, headers: sign(path: path, body: body, at: time, nonce: nonce), body: body)
    }
}
