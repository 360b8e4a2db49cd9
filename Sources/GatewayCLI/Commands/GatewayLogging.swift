import GatewayConfig
import Logging

/// Sets up swift-log once per process from `log.*`.
enum GatewayLogging {
    static func logger(_ configuration: GatewayConfiguration, label: String) -> Logger {
        let level = Logger.Level(rawValue: configuration.log.level) ?? .info
        let format = configuration.log.format
        LoggingSystem.bootstrap { label in GatewayLogHandler(label: label, format: format, logLevel: level) }
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
}
