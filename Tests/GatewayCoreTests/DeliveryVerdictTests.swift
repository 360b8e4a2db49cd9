import Foundation
import GatewayCore
import Opencharge
import Testing

/// The MG replies of spec §6.1's table, read as the delivery handler acts on them.
struct DeliveryVerdictTests {
    private let now = Date(timeIntervalSince1970: 1_800_000_000)

    private func verdict(_ status: Int, _ body: JSONValue, headers: [String: String] = [:]) -> WebhookVerdict {
        WebhookVerdict(status: status, headers: headers, body: CanonicalJSON.encode(body), now: now)
    }

    private func error(_ code: String) -> JSONValue { ["error": ["code": .string(code), "message": "m"]] }

    @Test func acceptedWithOrWithoutTxidIsDelivered() {
        #expect(verdict(200, ["status": "accepted", "txid": "pg_tx_1"]) == .accepted)
        #expect(verdict(200, ["status": "accepted"]) == .accepted)
    }

    @Test func definitiveRejectionsStop() {
        #expect(verdict(200, ["status": "rejected", "message": "order closed"]) == .rejected("MG rejected the proof: order closed"))
        for code in ["INVALID_PROOF", "PROOF_SIGNATURE_INVALID", "ISSUER_NOT_ACCEPTED", "AMOUNT_MISMATCH", "CURRENCY_MISMATCH"] {
            #expect(verdict(400, error(code)) == .rejected("MG rejected the proof: HTTP 400 \(code)"))
        }
        #expect(verdict(403, error("CONNECTION_REFUSED")) == .refused("MG refused the gateway: HTTP 403 CONNECTION_REFUSED"))
    }

    @Test func clockNonceAndSignatureErrorsAreRetriedWithFreshHeaders() {
        for code in ["TIMESTAMP_EXPIRED", "NONCE_REUSED", "INVALID_SIGNATURE"] {
            #expect(verdict(401, error(code)) == .retry("HTTP 401 \(code)", after: nil))
        }
    }

    @Test func overloadAndServerErrorsAreRetriedHonouringRetryAfter() {
        #expect(verdict(429, error("RATE_LIMITED"), headers: ["retry-after": "120"]) == .retry("HTTP 429 RATE_LIMITED", after: .seconds(120)))
        #expect(verdict(503, "busy", headers: ["retry-after": "Fri, 15 Jan 2027 08:00:30 GMT"]) == .retry("HTTP 503", after: .seconds(30)))
        #expect(verdict(500, "oops") == .retry("HTTP 500", after: nil))
    }

    @Test func unreadableOrUnlistedAnswersAreRetriedNotDropped() {
        #expect(verdict(200, ["ok": true]) == .retry("HTTP 200 without a status of accepted or rejected", after: nil))
        #expect(verdict(400, error("INVALID_REQUEST")) == .retry("HTTP 400 INVALID_REQUEST", after: nil))
        #expect(verdict(404, "no route") == .retry("HTTP 404", after: nil))
    }
}
