import Foundation
import GRDB

/// The job queue on the spool's SQLite database. Each state change is one SQL statement, guarded by
/// the lease token `(id, worker, attempt)` where a worker acts on a job it claimed.
public struct SQLiteJobQueue: JobQueue {
    public let database: GatewayDatabase
    public let time: any TimeSource
    /// Concurrent single finishes (every worker task ends its own job) share transactions and fsyncs.
    let finisher: GroupCommitter<JobFinish, Bool>

    public init(database: GatewayDatabase, time: any TimeSource = SystemTime()) {
        self.database = database
        self.time = time
        finisher = GroupCommitter(database: database, maxBatch: 512) { finish, db in
            try Self.apply(finish, now: time.now(), in: db)
        }
    }

    public var notifier: JobNotifier { database.notifier }
}
