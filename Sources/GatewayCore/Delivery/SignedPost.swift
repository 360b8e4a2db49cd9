import Foundation
import GatewayOutbound
import Opencharge

/// A POST signed by the gateway with fresh `X-OC-*` headers (spec §3), as every delivery attempt sends it: the
/// body bytes are the caller's and never change between attempts; the timestamp and nonce always do.
struct SignedPost {
    let identity: GatewayIdentity
    let client: OutboundClient

    /// Sends `body` to `target` and returns the reply (or throws the transport error).
    func send(_ body: [UInt8], to target: WebhookTarget, timeout: Duration, now: Date) async throws -> OutboundResponse {
        let signed = identity.key.signRequest(
            ocid: identity.ocid, method: "POST", path: target.signedPath, body: body,
            timestamp: Int64(now.timeIntervalSince1970))
        return try await client.send(
            OutboundRequest(
                method: "POST", url: target.url, headers: signed.fields + [("Content-Type", "application/json")],
                body: body, timeout: timeout))
    }
}
