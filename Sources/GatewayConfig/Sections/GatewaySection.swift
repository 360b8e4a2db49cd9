/// `[gateway]`: who this gateway is on the Opencharge network.
public struct GatewaySection: Sendable, Equatable {
    /// The gateway's OCID (its token ID in the Router Registry).
    public var ocid: UInt64
    /// The display name published in metadata.
    public var name: String
    /// Path of the private key file (64 hex characters, mode 0600); relative paths are resolved by its users
    /// against the working directory.
    public var keyFile: String
    /// The absolute http(s) URL this gateway is reached at, without a trailing slash.
    public var publicURL: String
    /// The currencies the gateway accepts; never empty.
    public var currencies: [String]
    /// The previous public key (hex), published during a key-rotation grace period.
    public var previousKey: String?
    /// When the key was rotated, in Unix seconds.
    public var keyRotatedAt: Int64?
    /// How long the old key stays published after a rotation; `ocgate keys rotate` uses it unless given `--grace`.
    public var previousKeyGrace: Duration

    /// Makes a section; every installation must choose the first five values.
    public init(
        ocid: UInt64, name: String, keyFile: String, publicURL: String, currencies: [String],
        previousKey: String? = nil, keyRotatedAt: Int64? = nil, previousKeyGrace: Duration = .seconds(24 * 3600)
    ) {
        self.ocid = ocid
        self.name = name
        self.keyFile = keyFile
        self.publicURL = publicURL
        self.currencies = currencies
        self.previousKey = previousKey
        self.keyRotatedAt = keyRotatedAt
        self.previousKeyGrace = previousKeyGrace
    }
}

extension GatewaySection: ConfigSection {
    static let name = "gateway"
    static var unread: Self { Self(ocid: 0, name: "", keyFile: "", publicURL: "", currencies: []) }
    static var fields: [ConfigField<Self>] {
        [
            .required("ocid", \.ocid, .ocid),
            .required("name", \.name, .nonEmptyText),
            .required("key_file", \.keyFile, .nonEmptyText),
            .required("public_url", \.publicURL, .baseURL),
            .required(
                "currencies", \.currencies,
                ValueFormat.list(of: .currencyCode).checked(
                    "a non-empty list of distinct currency codes (USD, EUR, USDC)"
                ) { !$0.isEmpty && Set($0).count == $0.count }),
            .optional("previous_key", \.previousKey, .publicKeyHex),
            .optional("key_rotated_at", \.keyRotatedAt, .unixSeconds),
            .value("previous_key_grace", \.previousKeyGrace, .duration),
        ]
    }
}
