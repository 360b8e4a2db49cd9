import Foundation
import GRDB
import GatewayStore
import Logging

/// Copies the write-ahead log back into the database file from a connection and a thread of its own.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses its threshold, on the one writer every
/// checkout and job waits for; in `ocgate bench checkout` turning it off made the stored path 13–20 % faster.
/// A PASSIVE checkpoint takes no write lock, so commits go on while it copies.
///
/// It does not keep the log short under steady load: SQLite rewinds the log only when a write begins with every
/// frame already copied, which a checkpoint running beside a busy writer rarely leaves it. So under load the log
/// grows to the writer's own automatic checkpoint at `fallbackPages` (about 40 MiB); there the writer copies the
/// few frames this thread has not, and its next write rewinds the log. The file stays at that size and is
/// reused. That threshold is also the bound should this thread stop, or an older ocgate write alone.
///
/// `@unchecked Sendable`: the connection is used by the checkpointing thread alone; `stopSignal` is a
/// semaphore, safe from any thread.
final class WALCheckpointer: @unchecked Sendable {
    /// The writer's own automatic checkpoint threshold, in pages (about 40 MiB of log at 4 KiB pages).
    static let fallbackPages = 10_000
    /// The pause after a checkpoint that found new frames: short, so the thread has copied nearly every frame by
    /// the time the writer reaches `fallbackPages`.
    static let busyPause = Duration.milliseconds(20)
    /// The pause when the log had nothing new.
    static let idlePause = Duration.milliseconds(250)

    private let stopSignal = DispatchSemaphore(value: 0)

    /// Opens a connection of its own to `path` (already migrated to WAL) and starts checkpointing.
    init(path: String, durability: Durability, busyTimeout: Duration) throws {
        var configuration = Configuration()
        configuration.label = "ocgate.checkpoint"
        configuration.busyMode = .timeout(busyTimeout.seconds)
        configuration.prepareDatabase { db in
            // A checkpoint syncs the database file as this connection's level says.
            try db.execute(sql: "PRAGMA synchronous = \(durability.pragmaValue)")
        }
        let connection = try DatabaseQueue(path: path, configuration: configuration)
        let stopSignal = self.stopSignal
        let thread = Thread {
            let logger = Logger(label: "ocgate.checkpoint")
            var pause = Self.busyPause
            var lastFrames = -1
            var lastError: String?
            while stopSignal.wait(timeout: .now() + pause.seconds) == .timedOut {
                var frames = -1
                do {
                    frames = try connection.inDatabase { db in try db.checkpoint(.passive) }.walFrameCount
                    lastError = nil
                } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
                    // Another process is checkpointing; the next round tries again.
                } catch {
                    // Logged once per kind of failure: the writer's own checkpoint still bounds the log.
                    if "\(error)" != lastError {
                        logger.warning("WAL checkpoint failed: \(error)", metadata: ["database": "\(path)"])
                        lastError = "\(error)"
                    }
                }
                // A log that changed since the last round means writes are coming: look again soon.
                pause = frames == lastFrames ? Self.idlePause : Self.busyPause
                lastFrames = frames
            }
        }
        thread.name = "ocgate-checkpoint"
        thread.start()
    }

    /// Ends the thread (it closes its connection on the way out).
    func stop() {
        stopSignal.signal()
    }
}
