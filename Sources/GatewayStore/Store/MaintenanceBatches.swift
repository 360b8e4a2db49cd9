/// Maintenance that changes rows by the thousand (expired nonces, lapsed sessions, pruned jobs) does it in
/// transactions of at most `size` rows, one after another, never in one statement.
///
/// A busy gateway has that many: at 2,340 checkouts/s, 1.4 million nonces leave the replay window every ten minutes
/// and 70,000 sessions lapse between two expiry runs. In one statement, the SQLite process kept 180 MiB it never gave
/// back (the nonce prune, issue 19's 30-minute run), every checkout waited behind the write for the lock, and
/// PostgreSQL held the rows' locks, and wrote their WAL, as one transaction.
public enum MaintenanceBatches {
    /// Rows one transaction changes at most.
    public static let size = 1_000

    /// Runs `batch` (which changes at most `limit` rows in a transaction of its own and returns how many) until one
    /// comes back short. - Returns: how many rows changed in all.
    package static func run(_ batch: (_ limit: Int) async throws -> Int) async throws -> Int {
        var changed = 0
        while true {
            let count = try await batch(size)
            changed += count
            if count < size { return changed }
        }
    }
}
