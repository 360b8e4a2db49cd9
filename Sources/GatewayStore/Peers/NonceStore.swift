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

    /// Deletes nonces older than `retention`, at most `NonceRetention.pruneBatch` per transaction, until none is
    /// left. - Returns: how many were deleted.
    @discardableResult
    func prune() async throws -> Int
}

/// How long a nonce stays unusable: twice the ±300 s timestamp window, as the reference does.
public enum NonceRetention {
    public static let window: Duration = .seconds(600)
    /// Nonces one prune transaction deletes at most. A busy gateway has a window's worth to delete at every run
    /// (1.4 million at 2,340 checkouts/s): in one DELETE, the SQLite process kept 180 MiB it never gave back to the
    /// system (issue 19's 30-minute run), and PostgreSQL would send a row back per nonce.
    public static let pruneBatch = 1_000

    /// Runs `deleteBatch` (which deletes at most `pruneBatch` expired nonces in a transaction of its own and returns
    /// how many) until a batch comes back short. - Returns: how many were deleted in all.
    package static func pruneInBatches(_ deleteBatch: (Int) async throws -> Int) async throws -> Int {
        var deleted = 0
        while true {
            let batch = try await deleteBatch(pruneBatch)
            deleted += batch
            if batch < pruneBatch { return deleted }
        }
    }
}
