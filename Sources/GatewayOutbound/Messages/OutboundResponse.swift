/// What came back from an outbound call, whatever its status: a 3xx or 5xx is a response, not an error.
public struct OutboundResponse: Sendable {
    /// The HTTP status code.
    public var status: Int
    /// Response header fields keyed by lower-cased name; repeated fields are joined with ", ".
    public var headers: [String: String]
    /// The body bytes exactly as received (no content decoding).
    public var body: [UInt8]
    /// Time from the start of the call (including name resolution) to its completion.
    public var duration: Duration
    /// The IP address the connection went to, for delivery logs.
    public var remoteAddress: String

    /// Creates a response.
    public init(status: Int, headers: [String: String], body: [UInt8], duration: Duration, remoteAddress: String) {
        self.status = status
        self.headers = headers
        self.body = body
        self.duration = duration
        self.remoteAddress = remoteAddress
    }
}
