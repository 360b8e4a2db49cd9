import Foundation

/// One charge a payment backend started for a session: its reference (the proof's `from.reference`)
/// and, for backends that keep their state here, where it stands.
public struct ChargeRecord: Sendable, Equatable {
    /// Where a charge stands.
    public enum State: String, Sendable, Equatable {
        /// Started; the outcome is not known yet.
        case pending
        /// Money taken.
        case succeeded
        /// Refused for good.
        case failed
    }

    public var reference: String
    public var sessionID: String
    /// The backend that started it (`sandbox`, `http`).
    public var backend: String
    public var state: State
    /// When a pending sandbox charge turns succeeded (unix seconds); nil for charges settled at once.
    public var settlesAt: Int64?
    public var createdAt: Date
    /// The id an external processor gave the charge (backend `http`), once it answered; nil otherwise.
    public var processorID: String?

    public init(
        reference: String, sessionID: String, backend: String, state: State, settlesAt: Int64?, createdAt: Date,
        processorID: String? = nil
    ) {
        self.processorID = processorID
        self.reference = reference
        self.sessionID = sessionID
        self.backend = backend
        self.state = state
        self.settlesAt = settlesAt
        self.createdAt = createdAt
    }
}
