import Opencharge

/// A signed request as it arrived, over HTTP or as an inbox file: the one shape the acceptance path takes.
public struct IncomingRequest: Sendable {
    public let method: String
    /// The raw request target: path and query exactly as sent.
    public let target: String
    /// Header values by lower-cased name.
    public let headers: [String: String]
    public let body: [UInt8]

    public init(method: String, target: String, headers: [String: String], body: [UInt8]) {
        self.method = method
        self.target = target
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        self.body = body
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// The caller of an authenticated request.
public struct AuthenticatedCaller: Sendable {
    public let ocid: UInt64
    public let metadata: PeerMetadata

    public init(ocid: UInt64, metadata: PeerMetadata) {
        self.ocid = ocid
        self.metadata = metadata
    }
}

/// Checks a request's `X-OC-*` authentication (spec §3) and the partner policy.
public protocol RequestAuthenticating: Sendable {
    /// - Throws: `APIError` with the codes of spec §3.3 (`TIMESTAMP_EXPIRED`, `NONCE_REUSED`, `UNKNOWN_OCID`,
    ///   `METADATA_UNAVAILABLE`, `INVALID_SIGNATURE` (also for a missing or malformed header), `CONNECTION_REFUSED`).
    func authenticate(_ request: IncomingRequest) async throws(APIError) -> AuthenticatedCaller
}
