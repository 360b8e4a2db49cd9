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

    /// swift-log's `StreamLogHandler` line, word for word.
    private func textLine(_ event: LogEvent) -> String {
        var merged = metadata
        if let explicit = event.metadata { merged.merge(explicit) { $1 } }
        if let error = event.error {
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        let pretty = merged.isEmpty ? "" : " " + merged.sorted { $0.key < $1.key }.map { "\($0)=\($1)" }.joined(separator: " ")
        return "\(Self.timestamp()) \(event.level) \(label):\(pretty) [\(event.source)] \(event.message)\n"
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

    private static func timestamp() -> String {
        var buffer = [Int8](repeating: 0, count: 255)
        var now = time(nil)
        var local = tm()
        guard localtime_r(&now, &local) != nil else { return "<unknown>" }
        strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &local)
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
