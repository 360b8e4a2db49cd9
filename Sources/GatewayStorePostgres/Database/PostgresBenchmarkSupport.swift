import Foundation
import GatewayStore
import Logging
import PostgresNIO

extension PostgresBackend {
    /// The floor `QueueBenchmark` compares a single enqueue with: a single-row INSERT into a bare table of this
    /// database (created here), committed on its own, on the stores' pool.
    package func rawCommits() async throws -> @Sendable (Data) async throws -> Void {
        try await database.run("CREATE TABLE IF NOT EXISTS bench_raw (id bigserial PRIMARY KEY, value bytea)")
        let database = self.database
        return { payload in try await database.run("INSERT INTO bench_raw (value) VALUES (\(payload))") }
    }
}

extension PostgresAdmin {
    /// The server's counters now: commits in `database` (`pg_stat_database`, flushed by each backend at the end of
    /// its transaction or within a second) and the server's WAL activity (`pg_stat_wal`, PostgreSQL 14+). Connects
    /// to `server`'s own database, so the sample is no commit of the measured one.
    package static func activity(of database: String, on server: PostgresStoreConfiguration, logger: Logger) throws
        -> DatabaseActivity
    {
        try connected(to: server, logger: logger) { connection in
            // Counters a backend has not reported yet are left out; the bench's pool reports within a second of idling.
            _ = try connection.query("SELECT pg_stat_clear_snapshot()", logger: logger).wait()
            let rows = try connection.query(
                """
                SELECT d.xact_commit, w.wal_records, w.wal_write, w.wal_sync
                FROM pg_stat_database d, pg_stat_wal w WHERE d.datname = \(database)
                """, logger: logger
            ).wait().rows
            guard let row = rows.first else {
                throw StoreError.inconsistent("pg_stat_database has no row for \(database)")
            }
            let (commits, records, writes, syncs) = try row.decode((Int64, Int64, Int64, Int64).self)
            return DatabaseActivity(commits: commits, walRecords: records, walWrites: writes, walSyncs: syncs)
        }
    }
}
