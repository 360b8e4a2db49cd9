import Foundation
import GRDB
import GatewayStore

/// The spool's SQLite database (`spool/ocgate.db`): WAL, `synchronous` as asked, a busy timeout, and the schema
/// migrated. Only this module sees it; the stores built on it are what the rest of ocgate gets.
///
/// Every write goes through `BEGIN IMMEDIATE` (DESIGN.md lesson 8), so a transaction that will write takes
/// the write lock up front and waits on the busy timeout instead of failing with BUSY half way.
final class SQLiteDatabase: Sendable {
    /// The database file.
    let path: String
    /// The `synchronous` level every commit uses.
    let durability: Durability
    /// Wakes this process's workers after a commit that enqueued jobs.
    let notifier = JobNotifier()
    let pool: DatabasePool
    /// Shares commits among concurrent `write` calls (see `write(_:)`).
    private let sharedCommits: GroupCommitter<SharedWork, SharedOutcome>
    /// Copies the write-ahead log back on a thread of its own, so the writer copies only what it has not.
    private let checkpointer: WALCheckpointer

    /// Opens (creating if needed) and migrates the database at `path`.
    /// - Parameters:
    ///   - durability: `.full` (default) fsyncs every commit; `.normal` trades the last commits for speed.
    ///   - busyTimeout: how long a writer waits for another process's write lock.
    /// - Throws: `StoreError.schemaTooNew` if a newer ocgate migrated this file; SQLite errors otherwise.
    init(path: String, durability: Durability = .full, busyTimeout: Duration = .seconds(10)) throws {
        self.path = path
        self.durability = durability
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout.seconds)
        // Reads run on the calling thread (`read`), so every thread that may read at once needs a reader
        // connection rather than a wait: GRDB's default of 5 is fewer than the threads of a larger machine.
        configuration.maximumReaderCount = max(5, ProcessInfo.processInfo.activeProcessorCount + 1)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(durability.pragmaValue)")
            // 16 MiB of page cache per connection instead of SQLite's 2 MiB: the hot index pages of sessions,
            // jobs and nonces stay in memory instead of being read back with pread on every commit.
            try db.execute(sql: "PRAGMA cache_size = -16384")
            // Checkpoints run on a thread of their own (`WALCheckpointer`); this bounds the log, and there the
            // writer copies only the frames that thread has not.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(WALCheckpointer.fallbackPages)")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        self.pool = pool
        sharedCommits = GroupCommitter(
            transaction: { work in try pool.writeWithoutTransaction { db in try Self.immediateTransaction(db, work) } },
            maxBatch: 256,
            body: GroupCommitter.eachItem { work, db in
                do {
                    return .success(try Self.inSavepoint(db) { try work.body(db) })
                } catch let error as SharedTransactionLost {
                    // Not this write's failure alone: the whole batch rolls back and every write in it fails.
                    throw error.reason
                } catch {
                    return .failure(error)
                }
            })
        // The pool switches its writer to WAL *after* prepareDatabase and sets synchronous=NORMAL as it
        // does, so the level is set again here, on the one writer connection, and checked.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = \(durability.pragmaValue)")
            let level = try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
            let expected = durability == .full ? 2 : 1
            guard level == expected else {
                throw StoreError.settingRefused(setting: "synchronous=\(durability.pragmaValue)", got: "\(level)")
            }
            // Every shared commit runs each write in a savepoint, and SQLite keeps the pages a savepoint may roll
            // back in a sub-journal that spills to a temporary file past 64 KiB: under load that file took more
            // write calls than the log itself (210 MB against 173 MB in one `bench flow`). In memory it is a copy.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        checkpointer = try WALCheckpointer(path: path, durability: durability, busyTimeout: busyTimeout)
        try migrate()
    }

    deinit {
        checkpointer.stop()
    }

    /// Writes waiting for the next shared commit.
    var waitingWrites: Int { sharedCommits.waiting }

    /// Commits what waits for a shared commit, refuses new ones, and stops checkpointing (graceful shutdown).
    func close() async {
        await sharedCommits.close()
        checkpointer.stop()
    }

    /// Processes that start together on a new spool race to migrate: GRDB applies each migration in its own
    /// immediate transaction, so the loser fails on the winner's tables. Looking again and applying what is
    /// left settles it.
    private func migrate() throws {
        let migrator = SchemaMigrations.migrator
        // Processes that open a new spool together race to apply migrations; each loss means another process
        // applied one, so progress is certain and retrying (within a deadline) always converges.
        let deadline = Date().addingTimeInterval(10)
        var failures = 0
        while true {
            let unknown = try pool.read { db in
                try migrator.appliedIdentifiers(db).subtracting(migrator.migrations)
            }
            guard unknown.isEmpty else {
                throw StoreError.schemaTooNew(path: path, unknownMigrations: unknown.sorted())
            }
            do {
                try migrator.migrate(pool)
                return
            } catch {
                failures += 1
                if Date() > deadline { throw error }
                Thread.sleep(forTimeInterval: min(0.2, 0.01 * Double(failures)))
            }
        }
    }

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction and commits it, or rolls back if it throws.
    ///
    /// The stores write their rows and call `SQLiteJobQueue.enqueue(_:in:)` inside one call, so the rows and their
    /// jobs commit together.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.writeWithoutTransaction { db in try Self.immediateTransaction(db, body) }
    }

    /// Runs `body` on a read-only snapshot, concurrently with writers.
    func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws -> T {
        try pool.read(body)
    }

    /// The async twin of `write(_:)`, returning once `body`'s writes are committed, with one difference: the
    /// commit is shared. Writes that arrive while another commits wait and then go into one transaction
    /// together, each in its own savepoint, so one fsync serves them all and a body that throws rolls back only
    /// its own writes. Under light load a write commits alone, at once; under load the batches grow by
    /// themselves, so durability FULL costs one fsync per batch instead of one per write.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        switch try await sharedCommits.submit(SharedWork(body: body)) {
        case .success(let value): return value as! T  // SharedWork's body returned exactly this T.
        case .failure(let error): throw error
        }
    }

    /// Runs `body` in a savepoint of the transaction a shared commit opened, rolling back only its writes if it
    /// throws. GRDB's `inSavepoint` prepares its statements again on every call, and a shared commit runs one
    /// savepoint per write, three or four per proof, on the single writer: these are cached. If SQLite already
    /// rolled the transaction back (a full disk, say) or the rollback to the savepoint fails, it throws
    /// `SharedTransactionLost` and the whole batch fails, so no write commits alone or half.
    private static func inSavepoint<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        guard db.isInsideTransaction else {
            throw SharedTransactionLost(reason: DatabaseError(resultCode: .SQLITE_ABORT, message: "the shared transaction was rolled back"))
        }
        try db.cachedStatement(sql: "SAVEPOINT shared_write").execute()
        do {
            let value = try body()
            try db.cachedStatement(sql: "RELEASE SAVEPOINT shared_write").execute()
            return value
        } catch {
            do {
                guard db.isInsideTransaction else { throw error }
                try db.cachedStatement(sql: "ROLLBACK TO SAVEPOINT shared_write").execute()
                try db.cachedStatement(sql: "RELEASE SAVEPOINT shared_write").execute()
            } catch {
                throw SharedTransactionLost(reason: error)
            }
            throw error
        }
    }

    private static func immediateTransaction<T>(_ db: Database, _ body: (Database) throws -> T) throws -> T {
        var result: T?
        try db.inTransaction(.immediate) {
            result = try body(db)
            return .commit
        }
        // inTransaction returns only after the closure ran and committed, so result is set.
        return result!
    }

    /// The async twin of `read(_:)`. It runs the read on the calling thread, as the synchronous one does: a
    /// read is a short snapshot of local pages that never waits for the writer (WAL), and handing it to a
    /// reader's queue and back cost two thread switches per read, more than most reads themselves.
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try readHere(body)
    }

    /// Not async, so it can only call the pool's synchronous read.
    private func readHere<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.read(body)
    }

    /// `read(_:)` for a body that runs one statement, without the transaction around it: SQLite makes a single
    /// statement atomic by itself, so the `BEGIN` and `COMMIT` that `read` adds are two statements of pure cost
    /// on every hot lookup (a session, a proof, a breaker). A body that runs two or more statements must use
    /// `read`, or it may see each from a different commit.
    func readSingleStatement<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try readSingleStatementHere(body)
    }

    /// Not async, so it can only call the pool's synchronous unsafe read.
    private func readSingleStatementHere<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.unsafeRead(body)
    }
}

/// The transaction of a shared commit can no longer hold a write: `reason` fails the whole batch.
private struct SharedTransactionLost: Error {
    let reason: any Error
}

/// A write waiting for a shared commit.
private struct SharedWork: Sendable {
    let body: @Sendable (Database) throws -> any Sendable
}

private typealias SharedOutcome = Result<any Sendable, any Error>

extension Durability {
    /// The `synchronous` pragma's value for this level.
    var pragmaValue: String {
        switch self {
        case .full: "FULL"
        case .normal: "NORMAL"
        }
    }
}
