/// A database server's own counters at one instant, read before and after a benchmark's load so the difference says
/// what the load cost the server (PostgreSQL: `pg_stat_database` and `pg_stat_wal`).
public struct DatabaseActivity: Sendable, Equatable {
    /// Transactions committed in the benchmark's database (`xact_commit`); WAL records, writes to the kernel and
    /// flushes to disk, server-wide (`wal_records`, `wal_write`, `wal_sync`: flushes are zero with `fsync = off`).
    public var commits, walRecords, walWrites, walSyncs: Int64

    public init(commits: Int64, walRecords: Int64, walWrites: Int64, walSyncs: Int64) {
        (self.commits, self.walRecords, self.walWrites, self.walSyncs) = (commits, walRecords, walWrites, walSyncs)
    }

    /// What happened between `earlier` and this.
    public func since(_ earlier: DatabaseActivity) -> DatabaseActivity {
        DatabaseActivity(
            commits: commits - earlier.commits, walRecords: walRecords - earlier.walRecords,
            walWrites: walWrites - earlier.walWrites, walSyncs: walSyncs - earlier.walSyncs)
    }
}
