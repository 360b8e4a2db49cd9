import Foundation

/// Request nonces, unique per caller OCID for `retention` (spec §3.3), shared by every acceptor process and host.
///
/// Guarantees every backend keeps: recording a nonce is one atomic insert-or-take-over on a unique key, so of any
/// number of processes racing on one nonce exactly one records it; an existing record younger than `retention`
/// refuses the nonce, an older one is taken over. A nonce claimed inside `CheckoutSessionStore.create` obeys the
/// same rule and commits (or rolls back) with the session.
public protocol NonceStore: Sendable {
    /// Whether this process recorded the nonce lately: a cheap early refusal before any signature work. False does
    /// not mean unused; only `record` decides.
    func recentlySeen(_ nonce: String, ocid: UInt64) -> Bool

    /// Whether any process recorded the nonce within `retention` (for operators and tests; `record` decides).
    func isRecorded(_ nonce: String, ocid: UInt64) async throws -> Bool

    /// Records the nonce on its own.
    /// - Throws: `NonceError.reused` when the nonce was used within `retention`; storage errors.
    func record(_ nonce: String, ocid: UInt64) async throws

    /// Deletes nonces older than `retention`, at most `MaintenanceBatches.size` per transaction, until none is
    /// left. - Returns: how many were deleted.
    @discardableResult
    func prune() async throws -> Int
}

/// How long a nonce stays unusable: twice the ±300 s timestamp window, as the reference does.
public enum NonceRetention {
    public static let window: Duration = .seconds(600)
}
