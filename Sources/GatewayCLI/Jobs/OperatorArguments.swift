import ArgumentParser
import GatewayConfig
import GatewayStore

/// Parsers for the operator verbs' option values; a bad value is a usage error (exit 2).
enum OperatorArguments {
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
