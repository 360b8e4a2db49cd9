import Foundation
import Opencharge

/// The gateway's `metadata.json` (spec §1.3): the nested form, with `config` signed by the gateway key.
///
/// `config` is signed once; `previousKey`/`keyRotatedAt` sit outside it and are added per request, only while the
/// rotation's grace period lasts.
public struct MetadataDocument: Sendable {
    /// Capabilities this build actually serves; a capability is listed only once its route exists.
    public static let capabilities: [String] = ["checkout.create", "verify.txid", "orders.status"]

    private let identity: GatewayIdentity
    private let config: JSONValue
    private let signature: Signature

    /// Builds and signs the document's `config` for `identity`.
    public init(identity: GatewayIdentity) {
        self.identity = identity
        config = [
            "publicKey": .string(identity.key.publicKey.hex),
            "endpoint": .string(identity.publicURL),
            "capabilities": .array(Self.capabilities.map { .string($0) }),
            "settlement": ["currencies": .array(identity.currencies.map { .string($0) })],
        ]
        signature = identity.key.signObject(config)
    }

    /// The document as published at `now`.
    public func json(at now: Date) -> JSONValue {
        var document = JSONObject([
            ("opencharge", "0.1"),
            ("name", .string(identity.name)),
            ("config", config),
            ("signature", .string(signature.hex)),
        ])
        if let previous = identity.publishedPreviousKey(at: now) {
            document["previousKey"] = .string(previous.hex)
            if let rotatedAt = identity.keyRotatedAt { document["keyRotatedAt"] = .integer(rotatedAt) }
        }
        return .object(document)
    }
}
