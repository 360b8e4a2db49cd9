/// The statements of the maintenance sweeps that change rows in batches (`MaintenanceBatches`). Each must find its
/// batch through an index and stop after it, whatever the table holds: a batch that walks the table runs a thousand
/// times per prune (`MigrationTests` checks their plans).
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

    /// The job prune finds a batch on a reader and deletes it on the writer, state by state, each batch continuing
    /// after the last id of the one before. SQLite has no index on `finished_at` (it would cost every job's finish),
    /// so finding the old jobs walks a state's jobs in id order through `(state, id)`; old jobs come first, and the
    /// last batch walks the jobs kept (a retention's worth), but on a reader, with no write lock held, and every job
    /// is walked once per run. Arguments: state, after id, cut-off (ms), limit.
    static let jobPruneBatch = """
        SELECT id FROM jobs WHERE state = ? AND id > ? AND finished_at < ? ORDER BY id LIMIT ?
        """

    /// Deletes what `jobPruneBatch` found: the jobs of that state and age between its bounds (their attempts go by
    /// `ON DELETE CASCADE`), the conditions checked again for jobs retried in between. Arguments: state, after id,
    /// last id, cut-off (ms).
    static let jobPrune = """
        DELETE FROM jobs WHERE state = ? AND id > ? AND id <= ? AND finished_at < ?
        """
}
