import Foundation
import GatewayStore
import GatewayStoreSQLite

/// Stores on a scratch SQLite file for one test; `TestBackend` opens them on every backend, for a test that runs on
/// each.
public enum TestStores {
    /// Every store on a new SQLite file in the temporary folder.
    public static func sqlite(time: any TimeSource = SystemTime(), durability: Durability = .full) throws -> GatewayStores {
        try sqlite(path: scratchPath(), time: time, durability: durability)
    }

    /// Every store on the SQLite file at `path`; a second call on the same path is what another process would see.
    public static func sqlite(path: String, time: any TimeSource = SystemTime(), durability: Durability = .full) throws
        -> GatewayStores
    {
        try SQLiteBackend.open(path: path, durability: durability, time: time).stores
    }

    /// A new database file's path in the temporary folder.
    public static func scratchPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("ocgate-test-\(UUID().uuidString).db").path
    }
}
