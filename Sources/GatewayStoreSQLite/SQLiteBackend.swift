import Foundation
import GatewayStore
import Logging
import ServiceLifecycle

/// The embedded backend: every store contract on one SQLite file (`spool/ocgate.db`), with its long-running
/// pieces (group commits, the WAL checkpointer) behind one `Service`.
public struct SQLiteBackend: Sendable {
    /// One instance of each store, all on this database.
    public let stores: GatewayStores
    /// Run it in the process's `ServiceGroup`, before the services that write: on graceful shutdown it commits what
    /// the group commits still hold and stops the checkpointer, after everything started later has stopped.
    public let service: SQLiteStorageService

    /// Opens (creating and migrating if needed) the database at `path`.
    /// - Parameters:
    ///   - durability: `.full` (default) fsyncs every commit; `.normal` trades the last commits for speed.
    ///   - busyTimeout: how long a writer waits for another process's write lock.
    /// - Throws: `StoreError.schemaTooNew` if a newer ocgate migrated this file; SQLite errors otherwise.
    public static func open(
        path: String, durability: Durability = .full, busyTimeout: Duration = .seconds(10),
        time: any TimeSource = SystemTime()
    ) throws -> SQLiteBackend {
        let database = try SQLiteDatabase(path: path, durability: durability, busyTimeout: busyTimeout)
        let queue = SQLiteJobQueue(database: database, time: time)
        let nonces = SQLiteNonceStore(database: database, time: time)
        let sessions = SQLiteSessionStore(database: database, queue: queue, nonces: nonces)
        let proofs = SQLiteProofStore(database: database, queue: queue)
        let stores = GatewayStores(
            sessions: sessions, charges: sessions, proofs: proofs, deliveries: proofs,
            settlement: SQLiteSettlementStore(database: database, queue: queue),
            partners: SQLitePartnerStore(database: database), nonces: nonces,
            peerDocuments: SQLitePeerDocumentStore(database: database), jobs: queue, maintenance: database,
            audit: SQLiteAuditStore(database: database), activity: SQLiteActivityStore(database: database))
        return SQLiteBackend(
            stores: stores, service: SQLiteStorageService(database: database, sessions: sessions, queue: queue))
    }
}

/// The SQLite backend's shutdown: waits for graceful shutdown, then commits what waits in the group commits (the
/// sessions', the job finishes' and the shared writes') and stops checkpointing.
public struct SQLiteStorageService: Service {
    let database: SQLiteDatabase
    let sessions: SQLiteSessionStore
    let queue: SQLiteJobQueue

    public func run() async throws {
        // Cancelled rather than shut down (another service failed, say): the group tears everything down at once,
        // so closing here could refuse the writes of services still finishing; the committers drain on their own.
        do { try await gracefulShutdown() } catch { return }
        await close()
    }

    /// What `run` does at shutdown, for a process that ends without a service group (a one-shot command).
    public func close() async {
        await sessions.close()
        await queue.finisher.close()
        await database.close()
    }
}
