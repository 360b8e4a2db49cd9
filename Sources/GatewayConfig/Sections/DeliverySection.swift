/// `[delivery]`: how transfer proofs are delivered to MG webhooks.
public struct DeliverySection: Sendable, Equatable {
    /// Delays before each retry; after the last, it repeats until `giveUpAfter`.
    public var schedule: [Duration]
    /// How long after the first attempt a delivery is declared dead.
    public var giveUpAfter: Duration
    /// Timeout of one webhook call.
    public var timeout: Duration
    /// Random spread applied to each delay, as a fraction (0.2 = ±20 %).
    public var jitter: Double
    /// Consecutive failures to one MG that open its circuit breaker.
    public var breakerThreshold: Int
    /// How long an open breaker pauses deliveries to that MG (they are paused, never dropped).
    public var breakerPause: Duration

    /// Makes a section with the documented defaults.
    public init(
        schedule: [Duration] = [
            .seconds(10), .seconds(30), .seconds(2 * 60), .seconds(10 * 60), .seconds(30 * 60),
            .seconds(60 * 60), .seconds(6 * 60 * 60),
        ],
        giveUpAfter: Duration = .seconds(72 * 60 * 60), timeout: Duration = .seconds(10), jitter: Double = 0.2,
        breakerThreshold: Int = 20, breakerPause: Duration = .seconds(60)
    ) {
        self.schedule = schedule
        self.giveUpAfter = giveUpAfter
        self.timeout = timeout
        self.jitter = jitter
        self.breakerThreshold = breakerThreshold
        self.breakerPause = breakerPause
    }
}

extension DeliverySection: ConfigSection {
    static let name = "delivery"
    static var unread: Self { Self() }
    static var fields: [ConfigField<Self>] {
        [
            .value(
                "schedule", \.schedule,
                ValueFormat.list(of: .positiveDuration).checked("a non-empty list of positive durations like 10s, 2m")
                { !$0.isEmpty }),
            .value("give_up_after", \.giveUpAfter, .positiveDuration),
            .value("timeout", \.timeout, .positiveDuration),
            .value("jitter", \.jitter, ValueFormat.number.within(0...1, "a fraction from 0 to 1")),
            .value("breaker_threshold", \.breakerThreshold, ValueFormat.integer.checked("an integer >= 1") { $0 >= 1 }),
            .value("breaker_pause", \.breakerPause, .positiveDuration),
        ]
    }
}
