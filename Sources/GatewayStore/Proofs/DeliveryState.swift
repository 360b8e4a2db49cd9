/// Where the delivery of a proof to its Merchant Gateway stands, as the MG last answered.
public enum DeliveryState: String, Sendable, Equatable, CaseIterable {
    /// Not yet accepted; the delivery job is queued, retrying, or given up by age (see the job's state).
    case pending
    /// The MG answered `{"status":"accepted"}`.
    case accepted
    /// The MG rejected the proof for good (`rejected`, or a definitive 400); an operator must reconcile.
    case rejected
    /// Delivery stopped without a business answer (403 `CONNECTION_REFUSED`, or the proof is undeliverable).
    case dead
}
