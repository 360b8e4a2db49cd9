import GatewayCore
import Hummingbird
import Opencharge

/// `GET /orders/{orderId}/status` (spec §13 item 17): the authenticated Merchant Gateway's own orders. The optional
/// `merchantOcid` query parameter picks one merchant when the MG used the same order id at several.
struct OrderRoutes: Sendable {
    let lookup: OrderStatusLookup
    let authenticator: any RequestAuthenticating
    let responder: SignedResponder

    func register(on router: some RouterMethods<GatewayRequestContext>) {
        router.get("/orders/{orderId}/status") { request, context in
            let caller = try await authenticator.authenticate(IncomingRequest(request, body: []))
            let merchant = try merchantOCID(request.uri.queryParameters["merchantOcid"].map(String.init))
            let report = try await lookup.status(
                orderID: PathParameter.decoded(context, "orderId"), caller: caller.ocid, merchantOCID: merchant)
            return responder.json(report.json)
        }
    }

    private func merchantOCID(_ text: String?) throws(APIError) -> UInt64? {
        guard let text else { return nil }
        guard let ocid = UInt64(text) else {
            throw APIError(
                .invalidRequest, "merchantOcid must be an OCID (a non-negative integer), not '\(text)'",
                details: ["field": "merchantOcid", "problem": "not an OCID"])
        }
        return ocid
    }
}
