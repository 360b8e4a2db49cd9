import GatewayOutbound

/// Why a call to the `http` backend's processor did not give a usable answer. Descriptions are already redacted.
public enum ProcessorError: Error, Equatable, CustomStringConvertible {
    /// A `payment.http_*` setting is missing or malformed; every call fails until it is fixed.
    case notConfigured(String)
    /// The processor refused the request for good (4xx): a wrong auth header, an unknown charge, a bad body.
    case refused(status: Int, excerpt: String)
    /// The processor failed or could not be reached (5xx, timeout, network); asking again may help.
    case unavailable(String)
    /// A 2xx reply that is not `{"id": …, "status": "pending"|"succeeded"|"failed"}`.
    case malformedReply(String)

    public var description: String {
        switch self {
        case .notConfigured(let problem):
            "the http payment backend is not configured: \(problem)"
        case .refused(let status, let excerpt) where status == 401 || status == 403:
            "the payment processor refused our credentials (HTTP \(status)); check payment.http_auth_header: \(excerpt)"
        case .refused(let status, let excerpt):
            "the payment processor refused the request (HTTP \(status)): \(excerpt)"
        case .unavailable(let problem):
            "the payment processor is unavailable: \(problem)"
        case .malformedReply(let excerpt):
            "the payment processor's reply is not {\"id\", \"status\"}: \(excerpt)"
        }
    }
}
