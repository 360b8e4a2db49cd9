/// How log lines are written.
public enum LogFormat: String, Sendable, Equatable, CaseIterable {
    /// One human-readable line per event.
    case text
    /// One JSON object per line, for log collectors.
    case json
}

/// `[log]`: log format and threshold.
public struct LogSection: Sendable, Equatable {
    /// The log levels, least to most severe, as swift-log names them.
    public static let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// Text or JSON lines.
    public var format: LogFormat
    /// The least severe level written: one of `LogSection.levels`.
    public var level: String
    /// One `request` line (info) per HTTP request answered; off for gateways whose proxy keeps the access log.
    public var access: Bool

    /// Makes a section with the documented defaults.
    public init(format: LogFormat = .text, level: String = "info", access: Bool = true) {
        self.format = format
        self.level = level
        self.access = access
    }
}

extension LogSection: ConfigSection {
    static let name = "log"
    static var unread: Self { Self() }
    static var fields: [ConfigField<Self>] {
        [
            .value("format", \.format, .choice),
            .value("level", \.level, .oneOf(levels)),
            .value("access", \.access, .flag),
        ]
    }
}
