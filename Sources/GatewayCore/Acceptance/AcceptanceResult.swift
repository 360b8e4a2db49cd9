import Opencharge

/// The answer to an accepted or refused request, ready to send over HTTP or write to the outbox.
public struct AcceptanceResult: Sendable, Equatable {
    public let status: Int
    public let body: JSONValue
    /// Seconds for a `Retry-After` header.
    public let retryAfter: Int?

    public init(status: Int, body: JSONValue, retryAfter: Int? = nil) {
        self.status = status
        self.body = body
        self.retryAfter = retryAfter
    }

    public init(_ error: APIError) {
        self.init(status: error.status, body: error.json, retryAfter: error.retryAfter)
    }
}
