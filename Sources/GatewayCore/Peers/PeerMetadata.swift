import Opencharge

/// What ocgate knows about another Opencharge service, read from its verified metadata
/// (`config.*` first, flat fields as fallback; spec §1.3).
public struct PeerMetadata: Sendable, Equatable {
    public let ocid: UInt64
    public let name: String
    public let publicKey: PublicKey
    /// Published during a key rotation's grace period; tried when the current key fails.
    public let previousKey: PublicKey?
    /// API base URL; protocol paths are appended to it.
    public let endpoint: String
    public let capabilities: [String]
    public let currencies: [String]
    public let accepts: [UInt64]

    public init(
        ocid: UInt64, name: String, publicKey: PublicKey, previousKey: PublicKey?, endpoint: String,
        capabilities: [String], currencies: [String], accepts: [UInt64]
    ) {
        self.ocid = ocid
        self.name = name
        self.publicKey = publicKey
        self.previousKey = previousKey
        self.endpoint = endpoint
        self.capabilities = capabilities
        self.currencies = currencies
        self.accepts = accepts
    }

    /// The keys a signature by this peer may verify under, current first.
    public var verificationKeys: [PublicKey] { [publicKey] + (previousKey.map { [$0] } ?? []) }
}

/// Finds a peer's metadata by OCID. The hot path must not wait on the network once a peer is known:
/// implementations cache.
public protocol PeerDirectory: Sendable {
    /// - Throws: `APIError` `UNKNOWN_OCID` (401) when the OCID is not in the registry,
    ///   `METADATA_UNAVAILABLE` (502) when its metadata cannot be fetched or is invalid.
    func metadata(for ocid: UInt64) async throws(APIError) -> PeerMetadata
}
