import Foundation
import GRDB
import GatewayStore

extension SQLiteBackend {
    /// The floor `QueueBenchmark` compares a single enqueue with: a single-row INSERT into a bare table of a fresh
    /// database at `path`, committed on its own.
    public static func rawCommits(
        path: String, durability: Durability
    ) async throws -> @Sendable (Data) async throws -> Void {
        let raw = try SQLiteDatabase(path: path, durability: durability)
        try await raw.write { db in
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS bench_raw (id INTEGER PRIMARY KEY, value BLOB)")
        }
        return { payload in
            try await raw.write { db in
                try db.execute(sql: "INSERT INTO bench_raw (value) VALUES (?)", arguments: [payload])
            }
        }
    }
}
