import Hummingbird
import NIOCore
import Opencharge
import Prometheus

/// `GET /metrics` in the Prometheus text format, for scrapers on this host only; the sampler's gauges are
/// brought up to date before the registry is emitted.
struct MetricsRoutes: Sendable {
    let registry: PrometheusCollectorRegistry
    let sampler: ScrapeSampler

    func register(on router: some RouterMethods<GatewayRequestContext>) {
        router.get("/metrics") { request, context in
            guard GatewayServer.isLocal(context.remoteAddress) else {
                throw APIError(.notFound, "no route for GET /metrics")
            }
            await sampler.refresh()
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
    }
}

extension GatewayServer {
    /// True for 127.0.0.0/8 and ::1 (also as ::ffff:127.x); an unknown address is not local.
    public static func isLocal(_ address: SocketAddress?) -> Bool {
        guard let ip = address?.ipAddress else { return false }
        return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
    }
}
