/// Where a checkout session is in its life (spec §13 item 12):
/// `pending → processing → completed | failed | cancelled | expired`.
public enum SessionStatus: String, Sendable, Equatable, CaseIterable {
    /// Waiting for the customer to pay.
    case pending
    /// A charge claimed the session; the proof is on its way.
    case processing
    /// Paid and proven.
    case completed
    /// The charge failed for good.
    case failed
    /// The customer cancelled.
    case cancelled
    /// Nobody paid before `expires_at`.
    case expired
}

extension CheckoutSessionRecord {
    /// The status as the customer sees it at `nowSeconds`: a pending session past its expiry is expired even
    /// before the `session.expire` job has marked it.
    public func effectiveStatus(at nowSeconds: Int64) -> SessionStatus {
        let stored = SessionStatus(rawValue: status) ?? .failed
        return stored == .pending && expiresAt <= nowSeconds ? .expired : stored
    }
}
