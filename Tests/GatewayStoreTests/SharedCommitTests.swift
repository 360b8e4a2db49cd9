import Foundation
import GatewayStore
@testable import GatewayStoreSQLite
import GRDB
import GatewayTestSupport
import Testing

/// The async `SQLiteDatabase.write` shares commits among concurrent callers; each caller must still see exactly
/// its own transaction's outcome.
@Suite struct SharedCommitTests {
    private struct Refused: Error, Equatable { let index: Int }

    @Test func concurrentWritesCommitAloneOrTogetherAndAFailureRollsBackOnlyItself() async throws {
        let scratch = try Scratch()
        let database = try scratch.database(.full)
        try await database.write { db in try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT)") }

        // 300 writers at once; every seventh writes a row and then throws, which must take its row with it.
        let outcomes = await withTaskGroup(of: (Int, Result<Int64, Refused>).self) { group in
            for index in 0..<300 {
                group.addTask {
                    do {
                        let id = try await database.write { db in
                            try db.execute(sql: "INSERT INTO t (id, note) VALUES (?, 'first')", arguments: [index])
                            try db.execute(sql: "UPDATE t SET note = 'second' WHERE id = ?", arguments: [index])
                            if index % 7 == 0 { throw Refused(index: index) }
                            return db.lastInsertedRowID
                        }
                        return (index, .success(id))
                    } catch {
                        return (index, .failure(error as? Refused ?? Refused(index: -1)))
                    }
                }
            }
            return await group.reduce(into: [Int: Result<Int64, Refused>]()) { $0[$1.0] = $1.1 }
        }

        for (index, outcome) in outcomes {
            if index % 7 == 0 {
                #expect(outcome == .failure(Refused(index: index)))
            } else {
                #expect(outcome == .success(Int64(index)))
            }
        }
        let rows = try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT id, note FROM t ORDER BY id").map { ($0["id"] as Int, $0["note"] as String) }
        }
        #expect(rows.map(\.0) == (0..<300).filter { $0 % 7 != 0 })
        #expect(rows.allSatisfy { $0.1 == "second" })
    }

    @Test func aWriteCanFollowAFailedOneInTheSameBatch() async throws {
        let scratch = try Scratch()
        let database = try scratch.database()
        try await database.write { db in try db.execute(sql: "CREATE TABLE u (k TEXT PRIMARY KEY)") }
        try await database.write { db in try db.execute(sql: "INSERT INTO u VALUES ('taken')") }

        // A constraint violation inside one writer leaves the shared transaction usable for the others.
        let duplicate = Task { try await database.write { db in try db.execute(sql: "INSERT INTO u VALUES ('taken')") } }
        let fresh = Task { try await database.write { db in try db.execute(sql: "INSERT INTO u VALUES ('fresh')") } }
        await #expect(throws: DatabaseError.self) { try await duplicate.value }
        try await fresh.value
        #expect(try await database.read { db in try String.fetchAll(db, sql: "SELECT k FROM u ORDER BY k") } == ["fresh", "taken"])
    }

    @Test func aWriteThatLosesTheSharedTransactionFailsItsWholeBatchAndNoWriteCommitsAlone() async throws {
        let scratch = try Scratch()
        let database = try scratch.database()
        try await database.write { db in try db.execute(sql: "CREATE TABLE v (n INTEGER PRIMARY KEY)") }

        // The first write holds the writer until three more have queued up behind it, so those three share a
        // batch (in whatever order they queued: any order must fail them all).
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let holder = Task {
            try await database.write { _ in
                entered.signal()
                release.wait()
            }
        }
        while entered.wait(timeout: .now()) == .timedOut { try await Task.sleep(for: .milliseconds(5)) }
        let writes = (1...3).map { n in
            Task {
                try await database.write { db in
                    try db.execute(sql: "INSERT INTO v VALUES (?)", arguments: [n])
                    // SQLite ends the transaction under every write in the batch (as it does on a full disk).
                    if n == 2 { try db.execute(sql: "ROLLBACK") }
                }
            }
        }
        #expect(try await eventually { database.waitingWrites == 3 }, "the three writes queued behind the holder")
        release.signal()
        try await holder.value
        for write in writes {
            await #expect(throws: (any Error).self) { try await write.value }
        }
        #expect(try await database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM v") } == 0)
        // The writer is usable again afterwards.
        try await database.write { db in try db.execute(sql: "INSERT INTO v VALUES (4)") }
        #expect(try await database.read { db in try Int.fetchAll(db, sql: "SELECT n FROM v") } == [4])
    }
}
