import Foundation

/// A checkout session row: what an accepted checkout stored. Orders are kept as the received JSON
/// text so the merchant's signature can be checked again later.
public struct CheckoutSessionRecord: Sendable, Equatable {
    public var id: String
    public var mgOCID: UInt64
    public var merchantOCID: UInt64
    public var orderID: String
    public var orderJSON: String
    public var orderSignature: String
    /// SHA-256 over the order and its signature: equal digests mean an identical resubmission.
    public var requestDigest: String
    public var amount: String
    public var currency: String
    public var successURL: String
    public var cancelURL: String
    public var status: String
    public var createdAt: Date
    /// Unix seconds.
    public var expiresAt: Int64
    /// The merchant's display name as its metadata gave it when the checkout was accepted (the acceptor resolved the
    /// metadata to verify the order), so the hosted page needs no fetch; nil when it publishes none.
    public var merchantName: String?

    public init(
        id: String, mgOCID: UInt64, merchantOCID: UInt64, orderID: String, orderJSON: String, orderSignature: String,
        requestDigest: String, amount: String, currency: String, successURL: String, cancelURL: String,
        status: String, createdAt: Date, expiresAt: Int64, merchantName: String? = nil
    ) {
        self.id = id
        self.mgOCID = mgOCID
        self.merchantOCID = merchantOCID
        self.orderID = orderID
        self.orderJSON = orderJSON
        self.orderSignature = orderSignature
        self.requestDigest = requestDigest
        self.amount = amount
        self.currency = currency
        self.successURL = successURL
        self.cancelURL = cancelURL
        self.status = status
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.merchantName = merchantName
    }
}

/// What creating a session did.
public enum SessionCreation: Sendable {
    /// A new session row (and its job, if any) committed.
    case created(CheckoutSessionRecord)
    /// The same order was accepted before: its session, unchanged.
    case existing(CheckoutSessionRecord)
    /// Another order with the same id already holds the idempotency key.
    case conflict(existingSessionID: String)
    /// The request's nonce was used within its retention; nothing was written.
    case nonceReused(NonceError)
    /// The spool's drain flag (`JobQueue.setDraining`) was set when the operation ran; nothing was written, the
    /// nonce is not claimed either.
    case draining
}
