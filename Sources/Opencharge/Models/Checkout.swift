/// Where the customer's browser goes after the checkout (`urls` of §5.3).
public struct CheckoutURLs: Sendable, Equatable {
    public let success: String
    public let cancel: String

    public init(success: String, cancel: String) {
        self.success = success
        self.cancel = cancel
    }
}

/// The body of `POST /checkout/create` (spec §5.3), validated. `order.json` and `signature` are
/// kept as received for the order signature check.
public struct CheckoutCreateRequest: Sendable, Equatable {
    public let order: Order
    public let signatureHex: String
    public let signature: Signature
    public let merchantOcid: UInt64
    public let urls: CheckoutURLs

    public init(json: JSONValue) throws(ValidationError) {
        let reader = try FieldReader(json, path: "")
        order = try Order(json: try reader.child("order").asValue, path: "order")
        signatureHex = try reader.string("signature", maxLength: 300)
        do {
            signature = try Signature(hex: signatureHex)
        } catch {
            throw ValidationError(field: "signature", problem: error.description)
        }
        merchantOcid = try reader.ocid("merchantOcid")
        let urls = try reader.child("urls")
        // The MG hop names them success/cancel; the merchant's completed/cancelled are accepted too (§13 item 11).
        func url(_ primary: String, _ fallback: String) throws(ValidationError) -> String {
            let key = urls.object[primary].map { _ in primary } ?? (urls.object[fallback] != nil ? fallback : primary)
            let text = try urls.string(key, maxLength: Limits.urlLength)
            guard FieldReader.isWebURL(text) else {
                throw ValidationError(field: urls.name(key), problem: "must be an absolute http or https URL")
            }
            return text
        }
        self.urls = CheckoutURLs(success: try url("success", "completed"), cancel: try url("cancel", "cancelled"))
    }
}

extension FieldReader {
    var asValue: JSONValue { .object(object) }
}

/// The answer to `POST /checkout/create`: all three fields, always (§13 item 10).
public struct CheckoutCreateResponse: Sendable, Equatable {
    public let checkoutURL: String
    public let sessionID: String
    public let expiresAt: Int64

    public init(checkoutURL: String, sessionID: String, expiresAt: Int64) {
        self.checkoutURL = checkoutURL
        self.sessionID = sessionID
        self.expiresAt = expiresAt
    }

    public init(json: JSONValue) throws(ValidationError) {
        let reader = try FieldReader(json, path: "")
        checkoutURL = try reader.string("checkout_url", maxLength: Limits.urlLength)
        sessionID = try reader.string("session_id", maxLength: Limits.identifierLength)
        expiresAt = try reader.integer("expires_at", in: 0...Int64.max)
    }

    public var json: JSONValue {
        ["checkout_url": .string(checkoutURL), "session_id": .string(sessionID), "expires_at": .integer(expiresAt)]
    }
}
