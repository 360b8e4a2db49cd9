import Foundation
import GRDB

/// Copies the write-ahead log back into the database file from a connection and a thread of its own.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses its threshold, on the one writer every
/// checkout and job waits for; in `ocgate bench checkout` turning it off made the stored path 13–20 % faster.
/// A PASSIVE checkpoint takes no write lock, so commits go on while it copies. The writer keeps an automatic
/// checkpoint at `fallbackPages`, far above what this thread lets the log reach, as the bound should this
/// thread fall behind or a process without one (an older ocgate) write alone.
///
/// `@unchecked Sendable`: the connection is used by the checkpointing thread alone; `stopSignal` is a
/// semaphore, safe from any thread.
final class WALCheckpointer: @unchecked Sendable {
    /// The writer's own automatic checkpoint threshold, in pages (about 40 MiB of log at 4 KiB pages).
    static let fallbackPages = 10_000
    /// The pause after a checkpoint that found new frames: short, so the log stays small under load.
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
            var pause = Self.busyPause
            var lastFrames = -1
            while stopSignal.wait(timeout: .now() + pause.seconds) == .timedOut {
                // Errors (another process checkpointing: SQLITE_BUSY) are left to the next round.
                let frames = (try? connection.inDatabase { db in try db.checkpoint(.passive) })?.walFrameCount
                // A log that changed since the last round means writes are coming: look again soon.
                pause = frames == lastFrames ? Self.idlePause : Self.busyPause
                lastFrames = frames ?? -1
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
