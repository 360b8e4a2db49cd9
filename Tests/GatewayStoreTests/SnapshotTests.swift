import Foundation
import GatewayStore
@testable import GatewayStoreSQLite
import GRDB
import Testing

/// The SQLite side of `ocgate store copy`: every table of the schema has a copy rule, and batches read every row.
@Suite struct SnapshotTests {
    /// Fails when a migration adds a table that no copy rule reads: `store copy` would leave it behind.
    @Test func everyTableOfTheSchemaHasACopyRule() throws {
        let scratch = try Scratch()
        let database = try scratch.database()
        let schema = try database.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        }.filter { !$0.hasPrefix("sqlite_") && $0 != "grdb_migrations" }
        let snapshot = try SQLiteSnapshot(database: database)
        #expect(Set(snapshot.tables) == Set(schema))
        #expect(snapshot.tables.count == schema.count, "a table has two rules")
        #expect(schema.count >= 13)
    }

    @Test func aTableWithoutARuleStopsTheSnapshot() throws {
        let scratch = try Scratch()
        let database = try scratch.database()
        try database.write { db in try db.execute(sql: "CREATE TABLE invented (id INTEGER PRIMARY KEY)") }
        #expect(throws: StoreCopyError.tablesDiffer(onlyInSource: ["invented"], onlyInTarget: [])) {
            try SQLiteSnapshot(database: database)
        }
    }

    @Test func batchesReadEveryRowOnceInKeyOrderFromTheSnapshot() async throws {
        let scratch = try Scratch()
        let database = try scratch.database()
        let queue = SQLiteJobQueue(database: database)
        for index in 0..<25 { _ = try await queue.enqueue(NewJob(kind: "k\(index)", payload: Data([UInt8(index)]))) }
        let snapshot = try SQLiteSnapshot(database: database)
        _ = try await queue.enqueue(NewJob(kind: "after.snapshot"))
        var ids: [Int64] = []
        var batches = 0
        for try await batch in snapshot.batches(of: "jobs", size: 10) {
            batches += 1
            let id = try #require(batch.columns.firstIndex(of: "id"))
            let payload = try #require(batch.columns.firstIndex(of: "payload"))
            for row in batch.rows {
                guard case .integer(let value) = row[id] else { Issue.record("id \(row[id])"); continue }
                ids.append(value)
                #expect(row[payload] == .blob([UInt8(ids.count - 1)]))
            }
        }
        #expect(batches == 3)
        #expect(ids == Array(1...25))
        let census = try await snapshot.census()
        #expect(census.rows["jobs"] == 25)
    }

    @Test func exactDecimalsAddWithoutRounding() {
        let sum = ["0.1", "0.2", "10.25", "5.5", "-1"].compactMap(ExactDecimal.init).reduce(.zero, +)
        #expect(sum.description == "15.05")
        #expect(ExactDecimal("15.050") == sum)
        #expect(ExactDecimal("0.01")?.description == "0.01")
        #expect(ExactDecimal("-0.5")?.description == "-0.5")
        #expect(ExactDecimal("99999999999999999999.99")! + ExactDecimal("0.01")! == ExactDecimal("100000000000000000000"))
        for bad in ["", "1e5", "1.", ".5", " 1", "1,5", "--1", "٣"] { #expect(ExactDecimal(bad) == nil, "\(bad)") }
    }
}
