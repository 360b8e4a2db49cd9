import Opencharge

/// The four `X-OC-*` headers of a request, checked for shape (spec §3.1) before anything costly is done.
///
/// A missing or malformed `X-OC-ID`, `X-OC-Timestamp` or `X-OC-Nonce` is 400 `INVALID_REQUEST` naming the
/// header (the request is not a signed request at all); a missing or unparseable `X-OC-Signature` is 401
/// `INVALID_SIGNATURE`.
public struct RequestCredentials: Sendable, Equatable {
    /// The caller's OCID, and the header text it was read from (the canonical string uses the text).
    public let ocid: UInt64
    public let ocidText: String
    public let timestamp: Int64
    public let timestampText: String
    public let nonce: String
    public let signature: Signature

    /// The longest nonce accepted.
    public static let maxNonceLength = 128

    /// Reads and checks the headers of `request`.
    /// - Throws: `APIError` `INVALID_REQUEST` (400) or `INVALID_SIGNATURE` (401) naming the header.
    public init(_ request: IncomingRequest) throws(APIError) {
        let ocidText = try Self.required(OCHeader.id, in: request)
        guard Self.isDecimal(ocidText, maxDigits: 20), let ocid = UInt64(ocidText) else {
            throw Self.malformed(OCHeader.id, "must be a decimal OCID")
        }
        let timestampText = try Self.required(OCHeader.timestamp, in: request)
        guard Self.isDecimal(timestampText, maxDigits: 18), let timestamp = Int64(timestampText) else {
            throw Self.malformed(OCHeader.timestamp, "must be Unix seconds in decimal")
        }
        let nonce = try Self.required(OCHeader.nonce, in: request)
        guard nonce.utf8.count <= Self.maxNonceLength, nonce.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else {
            throw Self.malformed(OCHeader.nonce, "must be 1 to \(Self.maxNonceLength) printable ASCII characters")
        }
        guard let signatureText = request.header(OCHeader.signature), !signatureText.isEmpty else {
            throw APIError(.invalidSignature, "missing \(OCHeader.signature) header")
        }
        guard let signature = try? Signature(hex: signatureText) else {
            throw APIError(.invalidSignature, "\(OCHeader.signature) is not a valid signature")
        }
        self.ocid = ocid
        self.ocidText = ocidText
        self.timestamp = timestamp
        self.timestampText = timestampText
        self.nonce = nonce
        self.signature = signature
    }

    private static func required(_ name: String, in request: IncomingRequest) throws(APIError) -> String {
        guard let value = request.header(name), !value.isEmpty else {
            throw APIError(.invalidRequest, "missing \(name) header", details: ["field": .string(name), "problem": "missing"])
        }
        return value
    }

    private static func malformed(_ name: String, _ problem: String) -> APIError {
        APIError(.invalidRequest, "\(name) \(problem)", details: ["field": .string(name), "problem": .string(problem)])
    }

    private static func isDecimal(_ text: String, maxDigits: Int) -> Bool {
        !text.isEmpty && text.utf8.count <= maxDigits && text.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }
}
