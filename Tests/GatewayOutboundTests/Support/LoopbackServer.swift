import Foundation
import Hummingbird
import NIOCore

/// A request context that remembers the client's port, so tests can see whether connections were reused.
struct PeerContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let peerPort: Int?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peerPort = source.channel.remoteAddress?.port
    }
}

/// One Hummingbird server on 127.0.0.1 (random port) shared by the suite, with a route per behaviour under test.
enum LoopbackServer {
    static let bigBodySize = 64 * 1024

    /// The base URL, e.g. `http://127.0.0.1:41234`; the server starts on first use and lives as long as the tests.
    static func baseURL() async throws -> String {
        "http://127.0.0.1:\(try await port.value)"
    }

    private static let port = Task<Int, any Error> {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router(),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            })
        Task { try await app.runService(gracefulShutdownSignals: []) }
        for await port in ports {
            return port
        }
        throw CancellationError()
    }

    private static func router() -> Router<PeerContext> {
        let router = Router(context: PeerContext.self)
        router.get("hello") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain", .init("X-Served-By")!: "loopback"],
                body: .init(byteBuffer: ByteBuffer(string: "hello, world")))
        }
        router.post("echo") { request, _ in
            let body = try await request.body.collect(upTo: 1 << 20)
            var headers: HTTPFields = [.init("X-Seen-Token")!: request.headers[.init("X-Token")!] ?? "none"]
            headers[.contentType] = request.headers[.contentType] ?? "none"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
        }
        router.get("peer") { _, context in
            "\(context.peerPort ?? -1)"
        }
        router.get("redirect") { _, _ in
            Response(status: .found, headers: [.location: "/hello"])
        }
        router.get("big") { _, _ in
            Response(status: .ok, body: .init(byteBuffer: ByteBuffer(repeating: UInt8(ascii: "x"), count: bigBodySize)))
        }
        router.get("hang") { _, _ in
            try await Task.sleep(for: .seconds(10))
            return "too late"
        }
        return router
    }
}
