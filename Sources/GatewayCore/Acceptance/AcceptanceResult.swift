import Opencharge

/// The answer to an accepted or refused request, ready to send over HTTP or write to the outbox.
public struct AcceptanceResult: Sendable, Equatable {
    public let status: Int
    public let body: JSONValue
    /// Seconds for a `Retry-After` header.
    public let retryAfter: Int?
    /// The error code of a refusal; nil for an answer that took the request. Callers that must act on why a request
    /// was refused (the inbox leaves a file alone while the spool drains) read it here, not from the body.
    public let code: ErrorCode?

    public init(status: Int, body: JSONValue, retryAfter: Int? = nil, code: ErrorCode? = nil) {
        self.status = status
        self.body = body
        self.retryAfter = retryAfter
        self.code = code
    }

    public init(_ error: APIError) {
        self.init(status: error.status, body: error.json, retryAfter: error.retryAfter, code: error.code)
    }
}
