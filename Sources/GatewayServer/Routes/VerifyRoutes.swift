import Foundation
import GatewayCore
import GatewayStore
import Hummingbird
import Opencharge

/// `GET /verify/{txid}` (spec §6.3 semantics, §13 item 18): public, so a Merchant Gateway that missed a webhook can
/// fetch the proof. The proof is answered with the bytes that were signed and delivered, spliced, never re-encoded.
struct VerifyRoutes: Sendable {
    let proofs: any ProofStore
    let responder: SignedResponder

    func register(on router: some RouterMethods<GatewayRequestContext>) {
        router.get("/verify/{txid}") { _, context in
            let txid = PathParameter.decoded(context, "txid")
            guard let proof = try await proofs.proof(txid: txid) else {
                throw APIError(.txidNotFound, "no transfer proof with txid \(txid)")
            }
            return responder.json(bytes: proof.splicedBody(trailingMembers: #","status":"completed""#))
        }
    }
}

/// Route parameters as the caller meant them: Hummingbird hands over the raw, percent-encoded path segment.
enum PathParameter {
    static func decoded(_ context: GatewayRequestContext, _ name: String) -> String {
        let raw = context.parameters.get(name) ?? ""
        return raw.removingPercentEncoding ?? raw
    }
}
