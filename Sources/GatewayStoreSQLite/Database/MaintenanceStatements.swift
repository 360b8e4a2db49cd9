/// The statements that change rows in `MaintenanceBatches`, one batch each (the arguments end with the batch's
/// limit). Each must find its batch through an index and stop after it, whatever the table holds: a batch that walks
/// the table runs a thousand times per prune (`MigrationTests` checks their plans).
enum MaintenanceStatements {
    /// The oldest expired nonces (a few more than the limit when they share the last instant), as one range of
    /// `nonces_seen_at`. Arguments: cut-off, limit. Deleting by `(ocid, nonce) IN (…)`, SQLite looked up by `ocid`
    /// alone and walked every nonce of that peer for every batch: 0.5–1.2 s a batch at a million nonces, so a busy
    /// gateway's prune held the write lock for minutes and the checkouts fell behind (issue 19's 30-minute run).
    static let noncePrune = """
        DELETE FROM nonces WHERE seen_at <= (
            SELECT max(seen_at) FROM (SELECT seen_at FROM nonces WHERE seen_at < ? ORDER BY seen_at LIMIT ?))
        """

    /// Lapsed pending sessions. Arguments: now (ms), now (unix seconds), limit.
    static let sessionExpiry = """
        UPDATE checkout_sessions SET status = 'expired', status_changed_at = ?
        WHERE id IN (SELECT id FROM checkout_sessions WHERE status = 'pending' AND expires_at <= ? LIMIT ?)
        """

    /// Succeeded and cancelled jobs finished before the cut-off (their attempts go by `ON DELETE CASCADE`).
    /// Arguments: cut-off (ms), limit. SQLite has no index on `finished_at` (it would cost every job's finish): a
    /// batch walks the jobs of those states oldest id first, and old jobs come first, so it stops after its own;
    /// the run's last batch walks the jobs kept (a retention's worth), as the single DELETE before it did.
    static let jobPrune = """
        DELETE FROM jobs WHERE id IN (
            SELECT id FROM jobs WHERE state IN ('succeeded', 'cancelled') AND finished_at < ? LIMIT ?)
        """
}
