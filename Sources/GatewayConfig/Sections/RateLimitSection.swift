/// `[rate_limit]`: a token bucket per calling OCID on the signed routes.
public struct RateLimitSection: Sendable, Equatable {
    /// Whether requests are limited at all.
    public var enabled: Bool
    /// Tokens added per second.
    public var perSecond: Double
    /// The bucket size: how many requests may arrive at once.
    public var burst: Int

    /// Makes a section with the documented defaults (disabled).
    public init(enabled: Bool = false, perSecond: Double = 100, burst: Int = 200) {
        self.enabled = enabled
        self.perSecond = perSecond
        self.burst = burst
    }
}

extension RateLimitSection: ConfigSection {
    static let name = "rate_limit"
    static var unread: Self { Self() }
    static var fields: [ConfigField<Self>] {
        [
            .value("enabled", \.enabled, .flag),
            .value("per_second", \.perSecond, ValueFormat.number.checked("a positive number") { $0 > 0 }),
            .value("burst", \.burst, ValueFormat.integer.checked("an integer >= 1") { $0 >= 1 }),
        ]
    }
}
