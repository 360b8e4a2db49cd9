import Foundation

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

    /// Where a sweep reports each batch as it commits, while a test has set one: totals alone would not show a sweep
    /// that went back to one statement.
    @TaskLocal package static var log: BatchLog?

    /// Runs `batch` (which changes at most `limit` rows in a transaction of its own and returns how many) until one
    /// comes back short. - Returns: how many rows changed in all.
    package static func run(_ batch: (_ limit: Int) async throws -> Int) async throws -> Int {
        var changed = 0
        while true {
            let count = try await batch(size)
            log?.record(count)
            changed += count
            if count < size { return changed }
        }
    }
}

/// The rows each committed batch of a sweep changed, in order (see `MaintenanceBatches.log`).
///
/// `@unchecked Sendable`: `counts` is only touched under `lock`.
package final class BatchLog: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [Int] = []

    package init() {}

    package func record(_ count: Int) { lock.withLock { counts.append(count) } }

    package var batches: [Int] { lock.withLock { counts } }
}
