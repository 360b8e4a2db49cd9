import Foundation
import GatewayStore
@testable import GatewayStoreSQLite
import GatewayTestSupport
import GRDB
import Testing

@Suite struct DatabaseSettingsTests {
    @Test func fullDurabilityTookOnTheWriterAndWALIsOn() throws {
        let scratch = try Scratch()
        let database = try scratch.database(.full)
        let (synchronous, journal) = try database.write { db in
            (try Int.fetchOne(db, sql: "PRAGMA synchronous"), try String.fetchOne(db, sql: "PRAGMA journal_mode"))
        }
        #expect(synchronous == 2)
        #expect(journal == "wal")
    }

    @Test func normalDurabilityWhenAsked() throws {
        let scratch = try Scratch()
        let database = try scratch.database(.normal)
        let synchronous = try database.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(synchronous == 1)
    }

    @Test func theWriterKeepsSavepointJournalsInMemory() async throws {
        let database = try Scratch().database()
        #expect(try await database.write { db in try Int.fetchOne(db, sql: "PRAGMA temp_store") } == 2)
    }

    @Test func everyConnectionHasSixteenMebibytesOfPageCache() async throws {
        let database = try Scratch().database()
        #expect(try await database.write { db in try Int.fetchOne(db, sql: "PRAGMA cache_size") } == -16384)
        #expect(try await database.read { db in try Int.fetchOne(db, sql: "PRAGMA cache_size") } == -16384)
    }

    @Test func theWriterLeavesCheckpointsToTheirOwnThreadAndKeepsAFallback() async throws {
        let scratch = try Scratch()
        let database = try scratch.database()
        #expect(try await database.write { db in try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") } == 10_000)
        try await database.write { db in try db.execute(sql: "CREATE TABLE filler (text TEXT NOT NULL)") }
        let mainFile = scratch.databasePath
        let before = try Self.size(of: mainFile)
        // About 800 pages of log in 200 commits: under the writer's fallback of 10,000 pages, so only the
        // checkpointing thread can bring them into the main file.
        for _ in 0..<200 {
            try await database.write { db in
                for _ in 0..<4 { try db.execute(sql: "INSERT INTO filler VALUES (?)", arguments: [String(repeating: "x", count: 4000)]) }
            }
        }
        #expect(try await eventually { try Self.size(of: mainFile) >= before + 3_000_000 })
    }

    @Test func aSingleStatementReadSeesTheLatestCommitAndHoldsNoSnapshotAfterwards() async throws {
        let scratch = try Scratch()
        let database = try scratch.database()
        try await database.write { db in try db.execute(sql: "CREATE TABLE t (n INTEGER NOT NULL); INSERT INTO t VALUES (1)") }
        let read: @Sendable () async throws -> Int? = {
            try await database.readSingleStatement { db in try Int.fetchOne(db.cachedStatement(sql: "SELECT max(n) FROM t")) }
        }
        #expect(try await read() == 1)
        try await database.write { db in try db.execute(sql: "INSERT INTO t VALUES (2)") }
        #expect(try await read() == 2)
        // A reader left inside a transaction would pin the log: a TRUNCATE checkpoint could never empty it. The
        // database's own checkpointing thread may hold the checkpoint for a moment (busy), so try until one succeeds.
        let other = try DatabaseQueue(path: scratch.databasePath)
        let emptied = try await eventually {
            let row = try other.writeWithoutTransaction { db in try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
            return row.map { ($0[0] as Int) == 0 && ($0[1] as Int) == 0 } ?? false
        }
        #expect(emptied, "no TRUNCATE checkpoint could empty the log: a reader holds a snapshot")
    }

    private static func size(of path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }

    @Test func writeRollsBackRowsAndJobsTogether() async throws {
        let scratch = try Scratch()
        let queue = try scratch.queue()
        struct Abort: Error {}
        #expect(throws: Abort.self) {
            try queue.database.write { db in
                _ = try queue.enqueue(NewJob(kind: "a"), in: db)
                throw Abort()
            }
        }
        let committed = try await queue.database.write { db in try queue.enqueue(NewJob(kind: "a"), in: db) }
        #expect(committed.inserted)
        #expect(try await queue.list(JobFilter()).map(\.id) == [committed.id])
    }

    @Test func backupCopiesTheLiveDatabase() async throws {
        let scratch = try Scratch()
        let queue = try scratch.queue()
        let job = try await queue.enqueue(NewJob(kind: "a", uniqueKey: "k"))
        let copyPath = "\(scratch.directory)/backup.db"
        try await queue.database.backup(to: copyPath)
        let copy = SQLiteJobQueue(database: try SQLiteDatabase(path: copyPath))
        #expect(try await copy.show(id: job.id)?.job.uniqueKey == "k")
    }
}
