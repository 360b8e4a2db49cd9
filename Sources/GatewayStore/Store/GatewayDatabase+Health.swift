import GRDB

extension GatewayDatabase {
    /// Takes the write lock and lets go: succeeds only when this process can write to the database now.
    /// Readiness probes use it, so a read-only disk or a wedged writer shows as "not ready".
    public func checkWritable() async throws {
        try await write { db in try db.execute(sql: "SELECT 1") }
    }
}
