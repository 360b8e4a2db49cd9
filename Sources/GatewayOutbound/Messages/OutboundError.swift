/// Why an outbound call produced no response; each description is one line an operator can act on.
public enum OutboundError: Error, Equatable, CustomStringConvertible {
    /// The URL could not be parsed.
    case invalidURL(String)
    /// The outbound policy refused the call (scheme, address range, malformed request field) before connecting.
    case refused(url: String, reason: String)
    /// The host name did not resolve to any address.
    case resolveFailed(host: String)
    /// The call did not finish in time.
    case timeout(url: String, after: Duration)
    /// The connection failed or broke (refused, reset, TLS failure, ...).
    case network(url: String, message: String)
    /// The response body grew past the policy's limit and the transfer was aborted.
    case responseTooLarge(url: String, limit: Int)

    public var description: String {
        switch self {
        case .invalidURL(let url):
            "invalid outbound URL '\(url)'"
        case .refused(let url, let reason):
            "outbound call to \(url) refused: \(reason)"
        case .resolveFailed(let host):
            "could not resolve host '\(host)'"
        case .timeout(let url, let after):
            "outbound call to \(url) timed out after \(after.milliseconds) ms"
        case .network(let url, let message):
            "outbound call to \(url) failed: \(message)"
        case .responseTooLarge(let url, let limit):
            "response from \(url) exceeded the \(limit)-byte limit and was aborted"
        }
    }
}

extension Duration {
    /// Whole milliseconds, for log lines.
    var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
