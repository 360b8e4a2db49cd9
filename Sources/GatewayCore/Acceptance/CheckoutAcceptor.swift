import Foundation
import GatewayConfig
import GatewayStore
import Logging
import Metrics
import Opencharge

/// `POST /checkout/create` (spec §5.3 with every [REC] check), for HTTP and the inbox alike: takes the
/// request as received and returns the answer. A 200 is returned only after the session row (with the merchant's
/// name, from the metadata that verified the order) is durable. No job follows: nothing the shipped payment
/// backends do has to happen before the page can be paid, so `session.open` is not enqueued (docs/sessions.md).
public struct CheckoutAcceptor: Sendable {
    public let identity: GatewayIdentity
    public let checkout: CheckoutSection
    public let sessionTTL: Duration
    public let authenticator: RequestAuthenticator
    public let peers: any PeerDirectory
    public let sessions: any CheckoutSessionStore
    public let drain: DrainState
    /// Per-caller limit; nil when `rate_limit.enabled` is false.
    public let rateLimiter: RateLimiter?
    /// The hosted page's URL of a session id, as the layer that serves the page spells it.
    public let checkoutURL: @Sendable (String) -> String
    public let time: any TimeSource
    public let logger: Logger

    public init(
        identity: GatewayIdentity, checkout: CheckoutSection, authenticator: RequestAuthenticator,
        peers: any PeerDirectory, sessions: any CheckoutSessionStore, drain: DrainState, rateLimiter: RateLimiter? = nil,
        checkoutURL: @escaping @Sendable (String) -> String, time: any TimeSource, logger: Logger
    ) {
        self.rateLimiter = rateLimiter
        self.checkoutURL = checkoutURL
        self.identity = identity
        self.checkout = checkout
        self.sessionTTL = checkout.sessionTTL
        self.authenticator = authenticator
        self.peers = peers
        self.sessions = sessions
        self.drain = drain
        self.time = time
        self.logger = logger
    }

    /// How long a draining gateway asks callers to wait.
    static let drainRetryAfter = 30

    /// The refusal of a checkout while the spool drains, whichever check saw the flag.
    static var draining: APIError {
        APIError(.draining, "the gateway is draining; retry later", retryAfter: drainRetryAfter)
    }

    public func accept(_ request: IncomingRequest) async -> AcceptanceResult {
        do {
            let response = try await create(request)
            Counter(label: "ocgate_checkouts_total", dimensions: [("outcome", "accepted")]).increment()
            return AcceptanceResult(status: 200, body: response.json)
        } catch {
            // Verification and validation failures by code, so an alert can tell a forged flood from a bug.
            Counter(label: "ocgate_checkouts_total", dimensions: [("outcome", "refused"), ("code", error.code.rawValue)])
                .increment()
            return AcceptanceResult(error)
        }
    }

    func create(_ request: IncomingRequest) async throws(APIError) -> CheckoutCreateResponse {
        let checked = try await check(request)
        return try await store(checked)
    }

    /// A checkout request that passed every check and is ready to store.
    public struct CheckedCheckout: Sendable {
        public let request: VerifiedRequest
        public let body: CheckoutCreateRequest
        public let now: Date
        /// The merchant's display name from the metadata that verified the order; nil when it publishes none.
        public let merchantName: String?
        /// The order's recursive canonical form: verified against its signature, then stored as the session's order.
        let orderBytes: [UInt8]
    }

    /// Every check of `accept` without storing anything (the nonce is not recorded either): `ocgate bench
    /// checkout` measures the acceptor's ceiling with it.
    public func check(_ request: IncomingRequest) async throws(APIError) -> CheckedCheckout {
        // A cheap early refusal; the decision that cannot race is the store's, in the transaction that would
        // store the session (`CheckoutSessionStore.create` answers `.draining`).
        if await drain.isDraining() { throw Self.draining }
        // The nonce is recorded in the session's own transaction (see `store`), so one commit serves both.
        let verified = try await authenticator.verify(request)
        let caller = verified.caller
        if let retryAfter = rateLimiter?.take(for: caller.ocid) {
            throw APIError(.rateLimited, "too many requests from OCID \(caller.ocid)", retryAfter: retryAfter)
        }
        let body: CheckoutCreateRequest
        do {
            body = try CheckoutCreateRequest(json: try JSONParser.parse(request.body))
        } catch let error as JSONParseError {
            throw APIError(.invalidRequest, "body is not valid JSON: \(error)", details: ["field": "body", "problem": .string(error.description)])
        } catch let error as ValidationError {
            throw APIError.invalidRequest(error)
        } catch {
            throw APIError(.invalidRequest, "\(error)")
        }
        let order = body.order
        guard order.ocid == body.merchantOcid else {
            throw APIError.invalidOrderSignature(
                "order.ocid \(order.ocid) does not match merchantOcid \(body.merchantOcid): the order signature cannot be checked against the right merchant")
        }
        let merchant = try await peers.metadata(for: body.merchantOcid)
        let orderBytes = CanonicalJSON.encode(order.json)
        guard verifyOrder(order, canonical: orderBytes, signature: body.signature, merchant: merchant) else {
            throw APIError.invalidOrderSignature("Order signature invalid")
        }
        let now = time.now()
        let nowSeconds = Int64(now.timeIntervalSince1970)
        if let expiresAt = order.expiresAt, expiresAt < nowSeconds {
            throw APIError(.orderExpired, "order \(order.id) expired at \(expiresAt)")
        }
        guard identity.currencies.contains(order.currency) else {
            throw APIError(
                .currencyMismatch, "currency \(order.currency) is not supported",
                details: ["supported": .array(identity.currencies.map { .string($0) })])
        }
        if checkout.requireGatewayInAccepts, !(order.accepts ?? []).contains(caller.ocid) {
            throw APIError(
                .settlementNotSupported, "merchant gateway \(caller.ocid) is not in order.accepts",
                details: ["merchantGateway": .integer(caller.ocid)])
        }
        if let total = order.itemsTotal, let amount = DecimalAmount(order.amount), total != amount {
            logger.warning(
                "order amount differs from its items",
                metadata: ["order": "\(order.id)", "amount": "\(order.amount)", "items_total": "\(total)"])
        }
        return CheckedCheckout(
            request: verified, body: body, now: now, merchantName: merchant.name.isEmpty ? nil : merchant.name,
            orderBytes: orderBytes)
    }

    private func verifyOrder(_ order: Order, canonical: [UInt8], signature: Signature, merchant: PeerMetadata) -> Bool {
        for key in merchant.verificationKeys {
            if let form = key.verifyObject(
                order.json, canonical: canonical, signature: signature, allowLegacy: checkout.legacyCanonical)
            {
                if form == .legacy {
                    logger.warning("order signature verified only in the legacy form", metadata: ["merchant": "\(merchant.ocid)", "order": "\(order.id)"])
                }
                return true
            }
        }
        return false
    }

    private func store(_ checked: CheckedCheckout) async throws(APIError) -> CheckoutCreateResponse {
        let (body, request, now) = (checked.body, checked.request, checked.now)
        let caller = request.caller
        let order = body.order
        let ttlSeconds = Int64(sessionTTL.components.seconds)
        let expiresAt = min(Int64(now.timeIntervalSince1970) + ttlSeconds, order.expiresAt ?? Int64.max)
        let orderBytes = checked.orderBytes
        let record = CheckoutSessionRecord(
            id: SessionID.generate(), mgOCID: caller.ocid, merchantOCID: body.merchantOcid, orderID: order.id,
            orderJSON: String(decoding: orderBytes, as: UTF8.self), orderSignature: body.signatureHex,
            requestDigest: SHA256Digest(hashing: orderBytes + Array(body.signature.compact)).hex, amount: order.amount,
            currency: order.currency, successURL: body.urls.success, cancelURL: body.urls.cancel, status: "pending",
            createdAt: now, expiresAt: expiresAt, merchantName: checked.merchantName)
        let creation: SessionCreation
        do {
            creation = try await sessions.create(record, nonce: request.nonceClaim, job: nil)
        } catch {
            logger.error("storing checkout session failed", metadata: ["order": "\(order.id)", "error": "\(error)"])
            throw APIError(.internalError, "the checkout could not be stored; retry")
        }
        switch creation {
        case .created(let session), .existing(let session):
            return CheckoutCreateResponse(
                checkoutURL: checkoutURL(session.id), sessionID: session.id, expiresAt: session.expiresAt)
        case .nonceReused(let error):
            throw .nonceReused(error)
        case .draining:
            throw Self.draining
        case .conflict(let existing):
            throw APIError(
                .orderConflict, "order \(order.id) was already submitted with different content (session \(existing))",
                details: ["sessionId": .string(existing)])
        }
    }
}

/// Checkout session ids: `cs_` and 32 random hex characters (DESIGN.md).
public enum SessionID {
    public static func generate() -> String {
        "cs_" + Hex.random(byteCount: 16)
    }
}
