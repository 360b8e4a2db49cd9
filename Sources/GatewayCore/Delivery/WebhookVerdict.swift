import Foundation
import GatewayOutbound
import Opencharge

/// What an MG's reply to a proof delivery means for the delivery (spec §6.1's table).
public enum WebhookVerdict: Sendable, Equatable {
    /// `200 {"status":"accepted"}`: delivered, stop.
    case accepted
    /// A definitive business rejection (`200 rejected`, or 400 with a proof error code): stop and alert.
    case rejected(String)
    /// `403`: the MG refuses the gateway; stop, follow up out of band.
    case refused(String)
    /// Anything else (401 clock or nonce errors, 429, 5xx, unreadable answers): try again, after the MG's
    /// `Retry-After` when it sent one.
    case retry(String, after: Duration?)

    /// The 400 codes that say the proof itself is unacceptable, so resending it unchanged cannot help.
    static let definitiveCodes: Set<ErrorCode> = [
        .invalidProof, .proofSignatureInvalid, .issuerNotAccepted, .amountMismatch, .currencyMismatch,
    ]

    /// Reads one reply.
    /// - Parameters:
    ///   - status: the HTTP status.
    ///   - headers: response headers, names lower-cased.
    ///   - body: the response body.
    ///   - now: for an HTTP-date `Retry-After`.
    public init(status: Int, headers: [String: String], body: [UInt8], now: Date) {
        let json = try? JSONParser.parse(body)
        let code = json?["error"]?["code"]?.stringValue
        let described = "HTTP \(status)" + (code.map { " \($0)" } ?? "")
        switch status {
        case 200:
            switch json?["status"]?.stringValue {
            case "accepted": self = .accepted
            case "rejected": self = .rejected("MG rejected the proof: \(json?["message"]?.stringValue ?? "no message")")
            default: self = .retry("HTTP 200 without a status of accepted or rejected", after: nil)
            }
        case 400 where code.flatMap(ErrorCode.init(rawValue:)).map(Self.definitiveCodes.contains) == true:
            self = .rejected("MG rejected the proof: \(described)")
        case 403:
            self = .refused("MG refused the gateway: \(described)")
        default:
            self = .retry(described, after: headers["retry-after"].flatMap { parseRetryAfter($0, now: now) })
        }
    }
}
