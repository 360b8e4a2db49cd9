import Foundation
import GatewayConfig
import Logging
import Opencharge

/// Every `ocgate` log line, in the `log.format` chosen, written whole through `LogSink` (so concurrent loggers never
/// interleave within a line); lines at `error` and above are written before `log` returns.
struct GatewayLogHandler: LogHandler {
    let label: String
    let format: LogFormat
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let line = switch format {
        case .text: textLine(event)
        case .json: jsonLine(event)
        }
        LogSink.standardError.write(line, urgent: event.level >= .error)
    }

    /// swift-log's `StreamLogHandler` line, word for word, appended into one string: the access log writes one per
    /// request.
    private func textLine(_ event: LogEvent) -> String {
        var merged = metadata
        if let explicit = event.metadata { merged.merge(explicit) { $1 } }
        if let error = event.error {
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        var line = LogTimestamp.shared.now()
        line.reserveCapacity(256)
        line += " \(event.level) \(label):"
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            line += " "
            line += key
            line += "="
            line += value.description
        }
        line += " [\(event.source)] \(event.message)\n"
        return line
    }

    /// One JSON object (time, level, label, message, metadata), for log shippers.
    private func jsonLine(_ event: LogEvent) -> String {
        var fields = JSONObject([
            ("time", .string(Date().formatted(.iso8601))), ("level", .string(event.level.rawValue)),
            ("label", .string(label)), ("message", .string(event.message.description)),
        ])
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) { fields[key] = .string(value.description) }
        return String(decoding: CanonicalJSON.encode(.object(fields)) + [0x0a], as: UTF8.self)
    }
}

/// The text format's timestamp (local time, to the second), formatted once a second rather than once a line:
/// `localtime_r` and `strftime` for every access-log line were a share of a busy gateway's CPU.
///
/// `@unchecked Sendable`: `second` and `text` are only touched under `lock`.
final class LogTimestamp: @unchecked Sendable {
    static let shared = LogTimestamp()

    private let lock = NSLock()
    private var second: time_t = -1
    private var text = ""

    func now() -> String {
        let now = time(nil)
        return lock.withLock {
            if now != second {
                second = now
                text = Self.format(now)
            }
            return text
        }
    }

    private static func format(_ second: time_t) -> String {
        var buffer = [Int8](repeating: 0, count: 64)
        var second = second
        var local = tm()
        guard localtime_r(&second, &local) != nil else { return "<unknown>" }
        strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &local)
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
