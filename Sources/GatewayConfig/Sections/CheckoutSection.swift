/// `[checkout]`: how checkout sessions are created and checked.
public struct CheckoutSection: Sendable, Equatable {
    /// How long a session stays payable (capped by the order's own expiry).
    public var sessionTTL: Duration
    /// Require the calling MG's OCID in `order.accepts`.
    public var requireGatewayInAccepts: Bool
    /// When true, signature verification falls back to the legacy (§2.4) canonical form.
    public var legacyCanonical: Bool
    /// How long the pay request of a charge taken at once waits for its one delivery attempt to the MG before it
    /// sends the browser to `urls.success` anyway (the proof is issued before that, whatever this says).
    public var redirectWait: Duration

    /// Makes a section with the documented defaults.
    public init(
        sessionTTL: Duration = .seconds(30 * 60), requireGatewayInAccepts: Bool = true, legacyCanonical: Bool = true,
        redirectWait: Duration = .seconds(2)
    ) {
        self.redirectWait = redirectWait
        self.sessionTTL = sessionTTL
        self.requireGatewayInAccepts = requireGatewayInAccepts
        self.legacyCanonical = legacyCanonical
    }
}

extension CheckoutSection: ConfigSection {
    static let name = "checkout"
    static var unread: Self { Self() }
    static var fields: [ConfigField<Self>] {
        [
            .value("session_ttl", \.sessionTTL, .positiveDuration),
            .value("require_gateway_in_accepts", \.requireGatewayInAccepts, .flag),
            .value("legacy_canonical", \.legacyCanonical, .flag),
            .value("redirect_wait", \.redirectWait, .duration),
        ]
    }
}
