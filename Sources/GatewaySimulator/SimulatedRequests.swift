import Foundation
import GatewayCore
import GatewayOutbound
import Opencharge

extension SimulatedMerchantGateway {
    /// The signed `POST /checkout/create` this MG sends for `merchant`'s `order` to the gateway at `gatewayURL`
    /// (its own path, e.g. `/checkout/create`, is `path`).
    public func checkoutRequest(
        to gatewayURL: String, path: String = "/checkout/create", order: JSONValue, merchant: SimulatedMerchant,
        at time: Date = Date(), timeout: Duration = .seconds(10)
    ) -> OutboundRequest {
        let body = checkoutBody(order: order, signature: merchant.sign(order), merchantOcid: merchant.party.ocid)
        let headers = sign(path: path, body: body, at: time).map { (name: $0.key, value: $0.value) }
        return OutboundRequest(
            method: "POST", url: gatewayURL + path, headers: headers + [(name: "Content-Type", value: "application/json")],
            body: body, timeout: timeout)
    }
}

/// The customer's browser on the hosted page: the form posts it sends.
public struct SimulatedCustomer: Sendable {
    public let gatewayURL: String
    /// The gateway's form token, as the page it rendered carries it.
    public let formToken: FormToken

    public init(gatewayURL: String, formToken: FormToken) {
        self.gatewayURL = gatewayURL
        self.formToken = formToken
    }

    /// Presses a payment button (`choice` is the backend's choice id) for `sessionID`.
    public func pay(_ sessionID: String, choice: String = "succeed", timeout: Duration = .seconds(10)) -> OutboundRequest {
        let form = "csrf=\(formToken.token(for: sessionID))&choice=\(choice)"
        return OutboundRequest(
            method: "POST", url: gatewayURL + "/pay/" + sessionID,
            headers: [(name: "Content-Type", value: "application/x-www-form-urlencoded")], body: Array(form.utf8),
            timeout: timeout)
    }
}
