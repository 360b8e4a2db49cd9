import GatewayOutbound
import Logging

/// A client allowed to reach the loopback test server, with a small response cap.
func loopbackClient(maxResponseBytes: Int = 16 * 1024, maxConnections: Int = 64) -> OutboundClient {
    OutboundClient(
        policy: OutboundPolicy(allowLoopback: true, maxResponseBytes: maxResponseBytes),
        maxConnections: maxConnections, logger: Logger(label: "ocgate.outbound.test"))
}

extension OutboundResponse {
    var text: String { String(decoding: body, as: UTF8.self) }
}
