import Foundation
import Logging
import Opencharge

/// `log.format = json`: one JSON object per line on stderr (time, level, label, message, metadata), for log
/// shippers. Lines go whole to `LogSink`, so concurrent loggers never interleave within a line.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields = JSONObject([
            ("time", .string(Date().formatted(.iso8601))), ("level", .string(event.level.rawValue)),
            ("label", .string(label)), ("message", .string(event.message.description)),
        ])
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) { fields[key] = .string(value.description) }
        LogSink.standardError.write(
            String(decoding: CanonicalJSON.encode(.object(fields)) + [0x0a], as: UTF8.self), urgent: event.level >= .error)
    }
}
