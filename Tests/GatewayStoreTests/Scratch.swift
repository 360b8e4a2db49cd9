import Foundation
import GatewayStore
@testable import GatewayStoreSQLite

/// A fresh directory per test, so tests never share a database file.
struct Scratch {
    let directory: String

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("ocgate-store-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    var databasePath: String { "\(directory)/ocgate.db" }

    func database(_ durability: Durability = .normal) throws -> SQLiteDatabase {
        try SQLiteDatabase(path: databasePath, durability: durability)
    }

    func queue(time: any TimeSource = SystemTime()) throws -> SQLiteJobQueue {
        SQLiteJobQueue(database: try database(), time: time)
    }
}
