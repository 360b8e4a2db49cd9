/// Why the configuration could not be used: the key, where its value came from, and what was wrong.
///
/// Its `description` is the single line start-up prints before it stops, for example
/// `config: gateway.ocid (env OCGATE_GATEWAY_OCID): expected a non-negative integer, got "abc"`.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    /// The dotted TOML key (`http.port`), or empty when the problem is the file as a whole.
    public let key: String
    /// Where the value came from: `file <path>`, `env OCGATE_…` or `default`.
    public let source: String
    /// What was wrong, in words an operator can act on.
    public let problem: String

    /// Makes an error for `key`, whose value came from `source`.
    public init(key: String, source: String, problem: String) {
        self.key = key
        self.source = source
        self.problem = problem
    }

    public var description: String {
        key.isEmpty ? "config: \(source): \(problem)" : "config: \(key) (\(source)): \(problem)"
    }
}
