import GatewayCore
import Hummingbird
import NIOCore
import Opencharge

/// `POST /checkout/create`: the request goes, as received, to the same acceptance path the inbox uses.
struct CheckoutRoutes: Sendable {
    let acceptor: CheckoutAcceptor
    let responder: SignedResponder
    let bodyLimit: Int

    func register(on router: Router<GatewayRequestContext>) {
        router.post("/checkout/create") { request, _ in
            // Refused before parsing: the limit applies to the bytes as they stream in.
            let buffer: ByteBuffer
            do {
                buffer = try await request.body.collect(upTo: bodyLimit)
            } catch is NIOTooManyBytesError {
                throw APIError(.payloadTooLarge, "request body is larger than \(bodyLimit) bytes")
            }
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let incoming = IncomingRequest(
                method: request.method.rawValue, target: request.head.path ?? request.uri.string, headers: headers,
                body: Array(buffer.readableBytesView))
            let result = await acceptor.accept(incoming)
            var extra: HTTPFields = [:]
            if let retryAfter = result.retryAfter { extra[.retryAfter] = String(retryAfter) }
            return responder.json(result.body, status: HTTPResponse.Status(code: result.status), extraHeaders: extra)
        }
    }
}
