import Foundation
import GatewayOutbound
import GatewaySimulator

/// The callers of a checkout bench: a Merchant Gateway (OCID 300) sending its merchant's (OCID 500) orders, each
/// with a unique order id and nonce, signed right before a run (the request window is ±300 s).
struct SignedCheckouts: Sendable {
    let merchant = SimulatedMerchant(
        party: SimulatedParty(ocid: 500, name: "bench merchant", endpoint: "https://merchant.invalid", accepts: [300]))
    let gateway: SimulatedMerchantGateway

    /// - Parameter gatewayOCID: the measured gateway's OCID, which the MG's metadata lists as accepted.
    init(gatewayOCID: UInt64) {
        gateway = SimulatedMerchantGateway(
            party: SimulatedParty(ocid: 300, name: "bench MG", endpoint: "https://mg.invalid", accepts: [gatewayOCID]))
    }

    /// `count` requests to `path` on the gateway at `url`, signed now, as the Merchant Gateway sends them.
    func requests(count: Int, gatewayURL url: String, path: String) -> [OutboundRequest] {
        let now = Date()
        return (0..<count).map { _ in
            gateway.checkoutRequest(
                to: url, path: path, order: merchant.order(accepts: [300], createdAt: Int64(now.timeIntervalSince1970)),
                merchant: merchant, at: now, timeout: .seconds(30))
        }
    }
}
