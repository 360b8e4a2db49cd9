import GRDB
import GatewayStore

extension SQLiteDatabase: StoreMaintenance {
    var location: String { path }

    /// Takes the write lock and lets go: succeeds only when this process can write to the database now.
    func checkWritable() async throws {
        try await write { db in try db.execute(sql: "SELECT 1") }
    }

    /// SQLite's online backup: readers and writers go on while it copies.
    func backup(to destination: String) async throws {
        let target = try DatabaseQueue(path: destination)
        try pool.backup(to: target)
    }

    /// Nothing: ocgate never runs SQLite's ANALYZE, so its planner keeps no statistics and the plans the schema's
    /// tests pin do not move with the data.
    func refreshStatistics() async throws {}
}
