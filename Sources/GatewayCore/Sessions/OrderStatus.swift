import Foundation
import GatewayStore
import Opencharge

/// An order's status as `GET /orders/{orderId}/status` reports it to the Merchant Gateway that created the checkout
/// (spec §13 item 17: the merchant-style `pending|paid|expired|cancelled`).
public enum OrderStatus: String, Sendable, Equatable, CaseIterable {
    case pending, paid, expired, cancelled

    /// The session's effective status, as a merchant status. Only a proof makes an order paid: `processing` (a charge
    /// holds the session, the proof is not issued yet) is still `pending`. A session `failed` for good will never be
    /// paid and is not waiting for time to run out: `cancelled`. (This build does not write `failed`: a declined
    /// charge puts the session back to `pending`, payable until it expires, spec §13 item 12.)
    public init(_ status: SessionStatus) {
        switch status {
        case .pending, .processing: self = .pending
        case .completed: self = .paid
        case .expired: self = .expired
        case .cancelled, .failed: self = .cancelled
        }
    }
}

/// The answer of `GET /orders/{orderId}/status`.
public struct OrderStatusReport: Sendable, Equatable {
    public let orderID: String
    public let merchantOCID: UInt64
    public let sessionID: String
    public let status: OrderStatus
    /// When the proof was issued (unix seconds); only for `paid`.
    public let paidAt: Int64?
    /// The proof's txid; only for `paid`.
    public let txid: String?

    public var json: JSONValue {
        var object = JSONObject([
            ("orderId", .string(orderID)), ("merchantOcid", .integer(merchantOCID)), ("sessionId", .string(sessionID)),
            ("status", .string(status.rawValue)),
        ])
        if let paidAt { object["paidAt"] = .integer(paidAt) }
        if let txid { object["txid"] = .string(txid) }
        return .object(object)
    }
}

/// Finds the status of a caller's own order. Another MG's order is reported exactly like one that does not exist,
/// so an MG cannot learn which order ids its competitors use.
public struct OrderStatusLookup: Sendable {
    let sessions: any CheckoutSessionStore
    let proofs: any ProofStore
    let time: any TimeSource

    public init(sessions: any CheckoutSessionStore, proofs: any ProofStore, time: any TimeSource) {
        self.sessions = sessions
        self.proofs = proofs
        self.time = time
    }

    /// - Parameter merchantOCID: narrows to one merchant; without it, the caller's most recent checkout of `orderID`
    ///   (an order id is unique per MG and merchant only).
    /// - Throws: `ORDER_NOT_FOUND` (404) when the caller has no such order; `INTERNAL_ERROR` when storage fails.
    public func status(orderID: String, caller: UInt64, merchantOCID: UInt64?) async throws(APIError) -> OrderStatusReport {
        do {
            guard let session = try await sessions.session(mgOCID: caller, orderID: orderID, merchantOCID: merchantOCID) else {
                throw APIError(.orderNotFound, "no order \(orderID) from OCID \(caller)")
            }
            let status = OrderStatus(session.effectiveStatus(at: Int64(time.now().timeIntervalSince1970)))
            // A session is completed in the same atomic operation that stores its proof, so a paid order has one.
            let proof = status == .paid ? try await proofs.proof(sessionID: session.id) : nil
            if status == .paid, proof == nil {
                throw APIError(.internalError, "session \(session.id) is completed without a proof")
            }
            return OrderStatusReport(
                orderID: session.orderID, merchantOCID: session.merchantOCID, sessionID: session.id, status: status,
                paidAt: proof.map { Int64($0.issuedAt.timeIntervalSince1970) }, txid: proof?.txid)
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError(.internalError, "the order's status could not be read; retry")
        }
    }
}
