import GatewayCore
import Hummingbird

extension IncomingRequest {
    /// The request as received: the raw request target (path and query) and every header.
    init(_ request: Request, body: [UInt8]) {
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        self.init(method: request.method.rawValue, target: request.head.path ?? request.uri.string, headers: headers, body: body)
    }
}
