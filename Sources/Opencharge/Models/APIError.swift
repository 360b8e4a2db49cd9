/// The error codes ocgate answers with: those of spec §9 and our extensions.
public enum ErrorCode: String, Sendable, CaseIterable {
    case invalidSignature = "INVALID_SIGNATURE"
    case timestampExpired = "TIMESTAMP_EXPIRED"
    case nonceReused = "NONCE_REUSED"
    case unknownOCID = "UNKNOWN_OCID"
    case metadataUnavailable = "METADATA_UNAVAILABLE"
    case connectionRefused = "CONNECTION_REFUSED"
    case invalidProof = "INVALID_PROOF"
    case proofSignatureInvalid = "PROOF_SIGNATURE_INVALID"
    case issuerNotAccepted = "ISSUER_NOT_ACCEPTED"
    case amountMismatch = "AMOUNT_MISMATCH"
    case currencyMismatch = "CURRENCY_MISMATCH"
    case capabilityNotSupported = "CAPABILITY_NOT_SUPPORTED"
    case rateLimited = "RATE_LIMITED"
    case sessionNotFound = "SESSION_NOT_FOUND"
    case txidNotFound = "TXID_NOT_FOUND"
    case orderNotFound = "ORDER_NOT_FOUND"
    case sessionExpired = "SESSION_EXPIRED"
    case sessionUsed = "SESSION_USED"
    case orderExpired = "ORDER_EXPIRED"
    case settlementNotSupported = "SETTLEMENT_NOT_SUPPORTED"
    // Extensions (spec §13 item 9 and DESIGN.md).
    case invalidRequest = "INVALID_REQUEST"
    case orderConflict = "ORDER_CONFLICT"
    case payloadTooLarge = "PAYLOAD_TOO_LARGE"
    case draining = "DRAINING"
    case notFound = "NOT_FOUND"
    case internalError = "INTERNAL_ERROR"

    /// The HTTP status for the code, decided here and nowhere else. The one code with two statuses,
    /// INVALID_SIGNATURE, is 401 for request authentication; `APIError.invalidOrderSignature` makes it 400.
    public var httpStatus: Int {
        switch self {
        case .invalidSignature, .timestampExpired, .nonceReused, .unknownOCID: 401
        case .connectionRefused: 403
        case .sessionNotFound, .sessionExpired, .notFound, .txidNotFound, .orderNotFound: 404
        case .orderConflict: 409
        case .sessionUsed: 410
        case .payloadTooLarge: 413
        case .rateLimited: 429
        case .internalError: 500
        case .metadataUnavailable: 502
        case .draining: 503
        case .invalidProof, .proofSignatureInvalid, .issuerNotAccepted, .amountMismatch, .currencyMismatch,
            .capabilityNotSupported, .orderExpired, .settlementNotSupported, .invalidRequest:
            400
        }
    }
}

/// An error answer: `{"error":{"code","message","details?"}}` with its HTTP status.
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: ErrorCode
    public let status: Int
    public let message: String
    public let details: JSONValue?
    /// Seconds for a `Retry-After` header (rate limiting, draining).
    public let retryAfter: Int?

    public init(_ code: ErrorCode, _ message: String, details: JSONValue? = nil, retryAfter: Int? = nil) {
        self.init(code, status: code.httpStatus, message, details: details, retryAfter: retryAfter)
    }

    private init(_ code: ErrorCode, status: Int, _ message: String, details: JSONValue?, retryAfter: Int?) {
        self.code = code
        self.status = status
        self.message = message
        self.details = details
        self.retryAfter = retryAfter
    }

    /// A missing or malformed field: 400 INVALID_REQUEST naming the field (§13 item 9).
    public static func invalidRequest(_ error: ValidationError) -> APIError {
        APIError(.invalidRequest, error.description, details: ["field": .string(error.field), "problem": .string(error.problem)])
    }

    /// A bad order signature is the caller's payload, not its authentication: 400 (§5.3).
    public static func invalidOrderSignature(_ message: String) -> APIError {
        APIError(.invalidSignature, status: 400, message, details: nil, retryAfter: nil)
    }

    /// The response body.
    public var json: JSONValue {
        var error = JSONObject([("code", .string(code.rawValue)), ("message", .string(message))])
        if let details { error["details"] = details }
        return ["error": .object(error)]
    }

    public var description: String { "\(status) \(code.rawValue): \(message)" }
}
