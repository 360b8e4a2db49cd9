import Foundation
import GRDB
import GatewayStore

/// The job queue on the spool's SQLite database. Each state change is one SQL statement, guarded by
/// the lease token `(id, worker, attempt)` where a worker acts on a job it claimed.
struct SQLiteJobQueue: JobQueue {
    let database: SQLiteDatabase
    let time: any TimeSource
    /// Concurrent single finishes (every worker task ends its own job) share transactions and fsyncs.
    let finisher: GroupCommitter<JobFinish, Bool>

    init(database: SQLiteDatabase, time: any TimeSource = SystemTime()) {
        self.database = database
        self.time = time
        finisher = GroupCommitter(
            database: database, maxBatch: 512,
            body: GroupCommitter.eachItem { finish, db in try Self.apply(finish, now: time.now(), in: db) })
    }

    var notifier: JobNotifier { database.notifier }
}

extension JobSuccess {
    /// Ends the attempt as succeeded, in the caller's transaction. - Returns: false when the worker lost the lease
    /// (the job row is then left as the new holder has it, and no attempt is logged).
    func record(at now: Date, in db: Database) throws -> Bool {
        try SQLiteJobQueue.apply(finish, now: now, in: db)
    }
}
