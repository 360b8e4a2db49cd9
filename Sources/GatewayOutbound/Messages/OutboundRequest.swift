/// One HTTP request the gateway sends to the outside world (metadata, webhook, processor, registry).
public struct OutboundRequest: Sendable {
    /// The HTTP method, such as `GET` or `POST`.
    public var method: String
    /// The absolute `http` or `https` URL; the outbound policy decides whether it may be reached.
    public var url: String
    /// Header fields sent as given, in order; a name may repeat.
    public var headers: [(name: String, value: String)]
    /// Header fields made anew for every send, sent after `headers`: a signed request's `X-OC-*` fields. The client
    /// calls it once each time the request is about to reach the network, whichever layer sends it again, so no
    /// two sends carry the same nonce (spec §3.3).
    public var freshHeaders: (@Sendable () -> [(name: String, value: String)])?
    /// The request body, sent as is (empty for none).
    public var body: [UInt8]
    /// The most the whole call may take, from name resolution to the last body byte.
    public var timeout: Duration

    /// Creates a request.
    /// - Parameters:
    ///   - method: the HTTP method.
    ///   - url: the absolute URL to call.
    ///   - headers: header fields in the order they are sent.
    ///   - freshHeaders: header fields to make anew for every send (signed ones), sent after `headers`.
    ///   - body: the body bytes.
    ///   - timeout: the total time allowed for the call.
    public init(
        method: String, url: String, headers: [(name: String, value: String)] = [],
        freshHeaders: (@Sendable () -> [(name: String, value: String)])? = nil, body: [UInt8] = [], timeout: Duration
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.freshHeaders = freshHeaders
        self.body = body
        self.timeout = timeout
    }
}
