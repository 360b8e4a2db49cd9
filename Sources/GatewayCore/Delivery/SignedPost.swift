import Foundation
import GatewayOutbound
import GatewayStore
import Opencharge

/// A POST signed by the gateway with fresh `X-OC-*` headers (spec §3), as every delivery attempt sends it: the
/// body bytes are the caller's and never change between attempts; the timestamp and nonce always do.
struct SignedPost {
    let identity: GatewayIdentity
    let client: OutboundClient

    /// Sends `body` to `target` and returns the reply (or throws the transport error). The headers are signed
    /// when the request is about to reach the network, as of `time`, and again for each send should the client
    /// send it again (a keep-alive connection that died before the reply): an MG never sees one nonce twice.
    func send(_ body: [UInt8], to target: WebhookTarget, timeout: Duration, time: any TimeSource) async throws
        -> OutboundResponse
    {
        let (identity, path) = (identity, target.signedPath)
        return try await client.send(
            OutboundRequest(
                method: "POST", url: target.url, headers: [("Content-Type", "application/json")],
                freshHeaders: {
                    identity.key.signRequest(
                        ocid: identity.ocid, method: "POST", path: path, body: body,
                        timestamp: Int64(time.now().timeIntervalSince1970)
                    ).fields
                },
                body: body, timeout: timeout))
    }
}
