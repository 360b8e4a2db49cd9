import Foundation
import Logging

/// A log handler that keeps every line with its merged metadata (the logger's and the call's), so tests can
/// check the fields an operator would grep for.
///
/// Safe as `@unchecked Sendable`: `lines` is read and written only under `lock`.
public final class RecordedLogs: @unchecked Sendable {
    /// One logged line.
    public struct Line: Sendable {
        public var level: Logger.Level
        public var message: String
        public var metadata: [String: String]
    }

    private let lock = NSLock()
    private var lines: [Line] = []

    public init() {}

    /// A logger writing into this record.
    public var logger: Logger {
        Logger(label: "test.recorded") { _ in Handler(logs: self) }
    }

    /// The messages logged at `level`, in order.
    public func messages(at level: Logger.Level) -> [String] {
        lock.withLock { lines.filter { $0.level == level }.map(\.message) }
    }

    /// The lines whose message is `message`, in order.
    public func lines(_ message: String) -> [Line] {
        lock.withLock { lines.filter { $0.message == message } }
    }

    private struct Handler: LogHandler {
        let logs: RecordedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }.mapValues(\.description)
            logs.lock.withLock { logs.lines.append(Line(level: event.level, message: "\(event.message)", metadata: merged)) }
        }
    }
}
