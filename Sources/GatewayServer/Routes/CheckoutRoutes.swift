import GatewayCore
import Hummingbird
import NIOCore
import Opencharge

/// `POST /checkout/create`: the request goes, as received, to the same acceptance path the inbox uses.
struct CheckoutRoutes: Sendable {
    let acceptor: CheckoutAcceptor
    let responder: SignedResponder
    let bodyLimit: Int
    /// Also serve `POST /bench/checkout-checked`: every check, no storing (`ocgate bench checkout`'s ceiling).
    let benchmarkCeiling: Bool

    func register(on router: some RouterMethods<GatewayRequestContext>) {
        router.post("/checkout/create") { request, _ in
            let result = await acceptor.accept(IncomingRequest(request, body: try await body(of: request)))
            var extra: HTTPFields = [:]
            if let retryAfter = result.retryAfter { extra[.retryAfter] = String(retryAfter) }
            return responder.json(result.body, status: HTTPResponse.Status(code: result.status), extraHeaders: extra)
        }
        guard benchmarkCeiling else { return }
        router.post("/bench/checkout-checked") { request, _ in
            _ = try await acceptor.check(IncomingRequest(request, body: try await body(of: request)))
            return responder.json(["checked": true])
        }
    }

    /// Refused before parsing: the limit applies to the bytes as they stream in.
    private func body(of request: Request) async throws -> [UInt8] {
        do {
            return Array(try await request.body.collect(upTo: bodyLimit).readableBytesView)
        } catch is NIOTooManyBytesError {
            throw APIError(.payloadTooLarge, "request body is larger than \(bodyLimit) bytes")
        }
    }
}
