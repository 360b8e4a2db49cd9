import Foundation
import Logging

/// A log handler that keeps every message, so tests can check what an operator would read.
///
/// Safe as `@unchecked Sendable`: `lines` is read and written only under `lock`.
final class CapturedLogs: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [(level: Logger.Level, message: String)] = []

    var logger: Logger {
        Logger(label: "test.captured") { _ in Handler(logs: self) }
    }

    func messages(at level: Logger.Level) -> [String] {
        lock.withLock { lines.filter { $0.level == level }.map(\.message) }
    }

    private struct Handler: LogHandler {
        let logs: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            logs.lock.withLock { logs.lines.append((event.level, "\(event.message)")) }
        }
    }
}
