import Foundation
import GatewayStore
import GatewayStoreSQLite

/// Stores on a scratch backend for one test.
public enum TestStores {
    /// Every store on a new SQLite file in the temporary folder.
    public static func sqlite(time: any TimeSource = SystemTime(), durability: Durability = .full) throws -> GatewayStores {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ocgate-test-\(UUID().uuidString).db").path
        return try SQLiteBackend.open(path: path, durability: durability, time: time).stores
    }
}
