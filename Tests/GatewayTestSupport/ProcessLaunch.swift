import Foundation

/// Starts `process`, one launch at a time in this test process. Foundation's `Process.run` on Linux enumerates and
/// copies the parent's file descriptors while it spawns; with tests launching dozens of processes at once beside
/// others opening and closing files, it crashed (a bad `memcpy` inside `Process.run`) a few runs in ten under load.
/// The launch itself takes milliseconds; waiting for the process is not serialized.
public func launchSerially(_ process: Process) throws {
    try launchLock.withLock { try process.run() }
}

private let launchLock = NSLock()
