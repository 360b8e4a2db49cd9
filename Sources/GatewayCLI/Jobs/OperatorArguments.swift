import ArgumentParser
import Foundation
import GatewayConfig
import GatewayStore

/// Parsers for the operator verbs' option values; a bad value is a usage error (exit 2).
enum OperatorArguments {
    /// An instant as ISO 8601 (`2026-11-25T10:00:00Z`) or unix seconds (`1795000000`).
    static func instant(_ text: String) throws -> Date {
        if let seconds = Int64(text) { return Date(timeIntervalSince1970: TimeInterval(seconds)) }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        throw ValidationError("'\(text)' is not a time: use ISO 8601 (2026-11-25T10:00:00Z) or unix seconds")
    }

    /// A duration such as `30s`, `10m`, `7d` or bare seconds.
    static func duration(_ text: String) throws -> Duration {
        guard let duration = Duration(configText: text) else {
            throw ValidationError("'\(text)' is not a duration: use 500ms, 30s, 10m, 2h, 7d or whole seconds")
        }
        return duration
    }

    static func state(_ text: String) throws -> JobState {
        guard let state = JobState(rawValue: text) else {
            throw ValidationError(
                "unknown state '\(text)': one of \(JobState.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return state
    }
}
