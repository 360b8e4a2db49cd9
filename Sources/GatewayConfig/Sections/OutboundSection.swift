/// `[outbound]`: the policy for calls the gateway makes (metadata fetches, webhooks).
public struct OutboundSection: Sendable, Equatable {
    /// Hosts exempt from the private-address refusal (for example an MG on a private network).
    public var allowHosts: [String]
    /// Allow loopback addresses, over plain HTTP too (tests and the demo).
    public var allowLoopback: Bool
    /// Timeout of a metadata fetch.
    public var metadataTimeout: Duration
    /// How long fetched peer metadata is reused.
    public var metadataCacheTTL: Duration
    /// The largest response body read from a peer, in bytes.
    public var maxResponseBytes: Int

    /// Makes a section with the documented defaults.
    public init(
        allowHosts: [String] = [], allowLoopback: Bool = true, metadataTimeout: Duration = .seconds(5),
        metadataCacheTTL: Duration = .seconds(5 * 60), maxResponseBytes: Int = 1 << 20
    ) {
        self.allowHosts = allowHosts
        self.allowLoopback = allowLoopback
        self.metadataTimeout = metadataTimeout
        self.metadataCacheTTL = metadataCacheTTL
        self.maxResponseBytes = maxResponseBytes
    }
}

extension OutboundSection: ConfigSection {
    static let name = "outbound"
    static var unread: Self { Self() }
    static var fields: [ConfigField<Self>] {
        [
            .value("allow_hosts", \.allowHosts, .list(of: .nonEmptyText)),
            .value("allow_loopback", \.allowLoopback, .flag),
            .value("metadata_timeout", \.metadataTimeout, .positiveDuration),
            .value("metadata_cache_ttl", \.metadataCacheTTL, .duration),
            .value("max_response_bytes", \.maxResponseBytes, .byteSize),
        ]
    }
}
