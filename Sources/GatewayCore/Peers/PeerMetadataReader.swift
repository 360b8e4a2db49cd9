import Opencharge

/// Reads a peer's `metadata.json` (spec §1.3): schema check, `config.*` first with the flat form as fallback,
/// and the config signature verified with the key it publishes (§13 item 19).
public struct PeerMetadataReader: Sendable {
    /// What a document turned out to be.
    public enum Form: Sendable, Equatable {
        /// Nested, `config` signed; `canonical` says which canonical form the signature verified under.
        case signed(canonical: CanonicalForm)
        /// The legacy flat form: no `config`, no signature. Accepted, with a warning in the log.
        case flatUnsigned
    }

    /// Whether a config signature may verify over the legacy (§2.4) canonical form.
    public let allowLegacy: Bool

    public init(allowLegacy: Bool) {
        self.allowLegacy = allowLegacy
    }

    /// Parses and verifies a document.
    /// - Throws: `MetadataProblem` naming the first field that is missing, malformed or fails verification.
    public func read(_ body: [UInt8], ocid: UInt64) throws(MetadataProblem) -> (metadata: PeerMetadata, form: Form) {
        let document: JSONObject
        do {
            guard let object = try JSONParser.parse(body).objectValue else { throw MetadataProblem("not a JSON object") }
            document = object
        } catch let error as MetadataProblem {
            throw error
        } catch {
            throw MetadataProblem("not valid JSON: \(error)")
        }
        guard document["opencharge"]?.stringValue != nil else { throw MetadataProblem("'opencharge' missing or not a string") }
        guard let name = document["name"]?.stringValue, !name.isEmpty else {
            throw MetadataProblem("'name' missing or not a non-empty string")
        }
        let config: JSONObject?
        switch document["config"] {
        case nil: config = nil
        case .object(let object)?: config = object
        case _?: throw MetadataProblem("'config' is not an object")
        }
        func field(_ key: String) -> JSONValue? { config?[key] ?? document[key] }
        let prefix = config == nil ? "" : "config."

        let publicKey = try Self.key(field("publicKey"), named: prefix + "publicKey")
        guard let endpoint = field("endpoint")?.stringValue, RegistryResolver.isHTTPURL(endpoint) else {
            throw MetadataProblem("'\(prefix)endpoint' missing or not an absolute http(s) URL")
        }
        guard let capabilities = try Self.strings(field("capabilities"), named: prefix + "capabilities") else {
            throw MetadataProblem("'\(prefix)capabilities' missing")
        }
        let settlement = field("settlement")
        let currencies = try Self.strings(settlement?["currencies"], named: prefix + "settlement.currencies") ?? []
        let accepts = try Self.ocids(settlement?["accepts"], named: prefix + "settlement.accepts")
        let previousKey = try document["previousKey"].map { value throws(MetadataProblem) in
            try Self.key(value, named: "previousKey")
        }

        let form: Form
        if let config {
            guard let signatureText = document["signature"]?.stringValue else {
                throw MetadataProblem("'signature' missing: a nested document's config must be signed")
            }
            guard let signature = try? Signature(hex: signatureText) else {
                throw MetadataProblem("'signature' is not a valid signature")
            }
            guard let canonical = publicKey.verifyObject(.object(config), signature: signature, allowLegacy: allowLegacy)
            else {
                throw MetadataProblem("config signature does not verify with config.publicKey")
            }
            form = .signed(canonical: canonical)
        } else {
            form = .flatUnsigned
        }
        let metadata = PeerMetadata(
            ocid: ocid, name: name, publicKey: publicKey, previousKey: previousKey, endpoint: endpoint,
            capabilities: capabilities, currencies: currencies, accepts: accepts)
        return (metadata, form)
    }

    private static func key(_ value: JSONValue?, named name: String) throws(MetadataProblem) -> PublicKey {
        guard let text = value?.stringValue else { throw MetadataProblem("'\(name)' missing or not a string") }
        do {
            return try PublicKey(hex: text)
        } catch {
            throw MetadataProblem("'\(name)': \(error)")
        }
    }

    private static func strings(_ value: JSONValue?, named name: String) throws(MetadataProblem) -> [String]? {
        guard let value else { return nil }
        guard let items = value.arrayValue else { throw MetadataProblem("'\(name)' is not an array") }
        return try items.map { item throws(MetadataProblem) in
            guard let text = item.stringValue else { throw MetadataProblem("'\(name)' holds a non-string") }
            return text
        }
    }

    private static func ocids(_ value: JSONValue?, named name: String) throws(MetadataProblem) -> [UInt64] {
        guard let value else { return [] }
        guard let items = value.arrayValue else { throw MetadataProblem("'\(name)' is not an array") }
        return try items.map { item throws(MetadataProblem) in
            guard let ocid = item.numberValue?.uint64Value else { throw MetadataProblem("'\(name)' holds a non-OCID") }
            return ocid
        }
    }
}
