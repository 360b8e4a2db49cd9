import GatewayStore

/// Everything a hosted page shows about one session, as plain text: the templates escape it.
public struct CheckoutPage: Sendable, Equatable {
    /// One order line.
    public struct Line: Sendable, Equatable {
        public let name: String
        public let quantity: Int
        /// Unit price, as the merchant wrote it.
        public let price: String
        /// Quantity × price in exact decimal arithmetic, or nil when the price does not parse.
        public let total: String?
    }

    public let sessionID: String
    /// Which page: pending sessions get the payment form, every other status its own page.
    public let status: SessionStatus
    public let merchantName: String
    public let orderID: String
    public let lines: [Line]
    /// The amount charged, exactly as the order states it.
    public let amount: String
    public let currency: String
    /// Seconds until the session expires (0 once it has).
    public let secondsLeft: Int64
    /// Unix seconds.
    public let expiresAt: Int64
    public let choices: [PaymentChoice]
    /// The CSRF token the forms carry.
    public let formToken: String
    /// Why the last attempt failed (a decline), shown above the form.
    public let notice: String?
    public let successURL: String
    public let cancelURL: String

    /// "about 12 minutes", for people rather than machines.
    public var timeLeftText: String {
        switch secondsLeft {
        case ..<1: "no time"
        case ..<60: "less than a minute"
        case ..<120: "about 1 minute"
        default: "about \((secondsLeft + 30) / 60) minutes"
        }
    }
}
