import Opencharge

/// The gateway's `metadata.json` (spec §1.3): the nested form, with `config` signed by the gateway key.
public enum MetadataDocument {
    /// Capabilities this build actually serves; a capability is listed only once its route exists.
    public static let capabilities: [String] = ["checkout.create"]

    public static func build(for identity: GatewayIdentity) -> JSONValue {
        let config: JSONValue = [
            "publicKey": .string(identity.key.publicKey.hex),
            "endpoint": .string(identity.publicURL),
            "capabilities": .array(capabilities.map { .string($0) }),
            "settlement": ["currencies": .array(identity.currencies.map { .string($0) })],
        ]
        var document = JSONObject([
            ("opencharge", "0.1"),
            ("name", .string(identity.name)),
            ("config", config),
            ("signature", .string(identity.key.signObject(config).hex)),
        ])
        if let previous = identity.previousKey {
            document["previousKey"] = .string(previous.hex)
            if let rotatedAt = identity.keyRotatedAt { document["keyRotatedAt"] = .integer(rotatedAt) }
        }
        return .object(document)
    }
}
