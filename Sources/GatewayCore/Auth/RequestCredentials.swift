import Opencharge

/// The four `X-OC-*` headers of a request, checked for shape (spec §3.1) before anything costly is done.
///
/// Any of them missing or malformed is 401 `INVALID_SIGNATURE` with `details.header` naming it and
/// `details.problem` saying what is wrong: the request is not validly signed, and §6.1 has callers re-sign after a
/// 401 (a 400 would read as final).
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
    /// - Throws: `APIError` `INVALID_SIGNATURE` (401) naming the header.
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
        let signatureText = try Self.required(OCHeader.signature, in: request)
        guard let signature = try? Signature(hex: signatureText) else {
            throw Self.malformed(OCHeader.signature, "must be a signature in hex (128 or 130 characters, or DER)")
        }
        self.ocid = ocid
        self.ocidText = ocidText
        self.timestamp = timestamp
        self.timestampText = timestampText
        self.nonce = nonce
        self.signature = signature
    }

    private static func required(_ name: String, in request: IncomingRequest) throws(APIError) -> String {
        guard let value = request.header(name), !value.isEmpty else { throw refusal(name, "missing", "missing \(name) header") }
        return value
    }

    private static func malformed(_ name: String, _ problem: String) -> APIError {
        refusal(name, problem, "\(name) \(problem)")
    }

    private static func refusal(_ name: String, _ problem: String, _ message: String) -> APIError {
        APIError(.invalidSignature, message, details: ["header": .string(name), "problem": .string(problem)])
    }

    private static func isDecimal(_ text: String, maxDigits: Int) -> Bool {
        !text.isEmpty && text.utf8.count <= maxDigits && text.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }
}
