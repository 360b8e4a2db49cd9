import GatewayConfig
import Logging

/// Sets up swift-log once per process from `log.*`.
enum GatewayLogging {
    static func logger(_ configuration: GatewayConfiguration, label: String) -> Logger {
        let level = Logger.Level(rawValue: configuration.log.level) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
}
