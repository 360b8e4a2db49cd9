import Foundation
import GRDB

/// The job queue on the spool's SQLite database. Each state change is one SQL statement, guarded by
/// the lease token `(id, worker, attempt)` where a worker acts on a job it claimed.
public struct SQLiteJobQueue: JobQueue {
    public let database: GatewayDatabase
    public let time: any TimeSource

    public init(database: GatewayDatabase, time: any TimeSource = SystemTime()) {
        self.database = database
        self.time = time
    }

    public var notifier: JobNotifier { database.notifier }
}
