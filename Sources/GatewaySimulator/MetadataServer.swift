import Foundation
import Hummingbird
import Logging
import Opencharge

/// One Hummingbird server on 127.0.0.1 (random port) that plays every peer's web server in tests: serves documents published by name
/// under `/m/{name}` and index answers under `/index/{name}/ocid/{ocid}`, and counts requests per name.
///
/// Safe as `@unchecked Sendable`: the tables are read and written only under `lock`.
public final class MetadataServer: @unchecked Sendable {
    struct Document {
        var status: Int
        var body: [UInt8]
        var delay: Duration?
    }

    public static let shared = MetadataServer()

    private let lock = NSLock()
    private var documents: [String: Document] = [:]
    private var counts: [String: Int] = [:]
    private static let port = Task<Int, any Error> { try await start() }

    /// Publishes a document; each test uses fresh names, so tests never see each other's documents.
    /// - Returns: its URL.
    public func publish(_ name: String, body: [UInt8], status: Int = 200, delay: Duration? = nil) async throws -> String {
        lock.withLock { documents[name] = Document(status: status, body: body, delay: delay) }
        return "\(try await baseURL())/m/\(name)"
    }

    /// Publishes each party's metadata document and writes `file`, a registry (`"OCID" = "URL"` per line) that
    /// resolves them: how the demo, the flow bench and the process tests point a real `ocgate` at simulated peers.
    public func publishRegistry(of parties: [SimulatedParty], to file: URL) async throws {
        var lines = ""
        for party in parties {
            let url = try await publish(
                "party-\(party.ocid)-\(UUID().uuidString)", body: CanonicalJSON.encode(party.metadataDocument))
            lines += "\"\(party.ocid)\" = \"\(url)\"\n"
        }
        try Data(lines.utf8).write(to: file)
    }

    /// How many times `name` was requested.
    public func hits(_ name: String) -> Int {
        lock.withLock { counts[name, default: 0] }
    }

    public func baseURL() async throws -> String {
        "http://127.0.0.1:\(try await Self.port.value)"
    }

    private func answer(_ name: String) async throws -> Response {
        let document = lock.withLock {
            counts[name, default: 0] += 1
            return documents[name]
        }
        guard let document else { return Response(status: .notFound) }
        if let delay = document.delay { try await Task.sleep(for: delay) }
        return Response(
            status: .init(code: document.status), headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: document.body)))
    }

    private static func start() async throws -> Int {
        let router = Router()
        router.get("m/:name") { _, context in
            try await shared.answer(try context.parameters.require("name"))
        }
        router.get("index/:name/ocid/:ocid") { _, context in
            let name = try context.parameters.require("name")
            let ocid = try context.parameters.require("ocid")
            return try await shared.answer("\(name)-\(ocid)")
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            }, logger: Logger(label: "simulated-peers", factory: { _ in SwiftLogNoOpLogHandler() }))
        Task { try await app.runService(gracefulShutdownSignals: []) }
        for await port in ports { return port }
        throw CancellationError()
    }
}
