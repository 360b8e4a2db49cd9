import Foundation
import GatewayStore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Opencharge

/// A payment processor on 127.0.0.1 (random port) for the `http` backend: `POST /charges` starts a charge
/// (idempotent on the body's `reference`), `GET /charges/{id}` reports it, both as `{"id", "status"}`. Every
/// request must carry the expected auth header or is answered 401; charges settle as `outcome` scripts.
///
/// Safe as `@unchecked Sendable`: the mutable state is read and written only under `lock`.
public final class SimulatedProcessor: @unchecked Sendable {
    /// How the charges started from now on settle.
    public enum Outcome: Sendable, Equatable {
        /// Status reads answer `pending` this many times, then `succeeded`.
        case succeed(afterPolls: Int)
        /// Status reads answer `pending` this many times, then `failed`; with 0 the start itself answers `failed`.
        case fail(afterPolls: Int)
    }

    /// One start the processor accepted.
    public struct Start: Sendable, Equatable {
        /// The body as the gateway sent it.
        public let body: JSONValue
        /// The processor's id of the charge.
        public let id: String
    }

    private struct Charge {
        let id: String
        let outcome: Outcome
        var polls = 0

        var status: ChargeRecord.State {
            switch outcome {
            case .succeed(let after): polls > after ? .succeeded : .pending
            case .fail(let after): after == 0 || polls > after ? .failed : .pending
            }
        }
    }

    /// `Name: value` the processor expects on every request.
    public let authHeader: (name: String, value: String)
    /// Where the gateway starts charges (`payment.http_start_url`).
    public let startURL: String
    /// Where the gateway reads a charge (`payment.http_status_url`).
    public let statusURL: String
    private let lock = NSLock()
    private var outcome: Outcome = .succeed(afterPolls: 0)
    private var unavailable = 0
    private var charges: [String: Charge] = [:]
    private var idsByReference: [String: String] = [:]
    private var starts: [Start] = []
    private var seenAuth: [String] = []
    private var server: Task<Void, any Error>?

    private init(authHeader: (name: String, value: String), port: Int) {
        self.authHeader = authHeader
        startURL = "http://127.0.0.1:\(port)/charges"
        statusURL = "http://127.0.0.1:\(port)/charges/{id}"
    }

    /// Starts a processor that expects `authHeader` (name and value) on every request.
    public static func start(authHeader: (name: String, value: String)) async throws -> SimulatedProcessor {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let box = ProcessorBox()
        let router = Router()
        router.post("charges") { request, _ in
            let body = try await request.body.collect(upTo: 1 << 20)
            return try box.processor().startCharge(request, body: Array(body.readableBytesView))
        }
        router.get("charges/:id") { request, context in
            try box.processor().report(request, id: context.parameters.get("id") ?? "")
        }
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            }, logger: Logger(label: "simulated-processor", factory: { _ in SwiftLogNoOpLogHandler() }))
        let server = Task { try await app.runService(gracefulShutdownSignals: []) }
        var port = 0
        for await bound in ports { port = bound }
        let processor = SimulatedProcessor(authHeader: authHeader, port: port)
        processor.lock.withLock { processor.server = server }
        box.set(processor)
        return processor
    }

    /// Stops the server.
    public func stop() {
        lock.withLock { server }?.cancel()
    }

    /// Scripts how charges started from now on settle.
    public func script(_ outcome: Outcome) {
        lock.withLock { self.outcome = outcome }
    }

    /// Answers the next `times` requests with 503, echoing the request's auth header in the body as a careless
    /// proxy might: the gateway must keep such text out of everything it stores.
    public func failNext(_ times: Int) {
        lock.withLock { unavailable = times }
    }

    /// Every start accepted, oldest first (an idempotent repeat is listed again).
    public var acceptedStarts: [Start] { lock.withLock { starts } }

    /// How many status reads the charge `id` has answered.
    public func polls(of id: String) -> Int { lock.withLock { charges[id]?.polls ?? 0 } }

    /// The auth header values received, in order.
    public var receivedAuth: [String] { lock.withLock { seenAuth } }

    private func startCharge(_ request: Request, body: [UInt8]) -> Response {
        if let refusal = gate(request) { return refusal }
        guard let json = try? JSONParser.parse(body), let reference = json["reference"]?.stringValue,
            json["session"]?.stringValue != nil, json["order"]?.stringValue != nil,
            json["amount"]?.stringValue != nil, json["currency"]?.stringValue != nil
        else { return respond(400, ["error": "body needs reference, session, order, amount, currency"]) }
        let charge = lock.withLock { () -> Charge in
            let id = idsByReference[reference] ?? "ch_\(idsByReference.count + 1)"
            idsByReference[reference] = id
            let charge = charges[id] ?? Charge(id: id, outcome: outcome)
            charges[id] = charge
            starts.append(Start(body: json, id: id))
            return charge
        }
        return respond(200, ["id": .string(charge.id), "status": .string(charge.status.rawValue)])
    }

    private func report(_ request: Request, id: String) -> Response {
        if let refusal = gate(request) { return refusal }
        let status = lock.withLock { () -> ChargeRecord.State? in
            guard var charge = charges[id] else { return nil }
            charge.polls += 1
            charges[id] = charge
            return charge.status
        }
        guard let status else { return respond(404, ["error": .string("no charge \(id)")]) }
        return respond(200, ["id": .string(id), "status": .string(status.rawValue)])
    }

    /// The 401 for a wrong auth header or an injected 503, if either applies.
    private func gate(_ request: Request) -> Response? {
        let received = HTTPField.Name(authHeader.name).flatMap { request.headers[$0] } ?? ""
        let failing = lock.withLock { () -> Bool in
            seenAuth.append(received)
            guard unavailable > 0 else { return false }
            unavailable -= 1
            return true
        }
        if failing { return respond(503, ["error": "temporarily unavailable", "request": .string("\(authHeader.name): \(received)")]) }
        guard received == authHeader.value else { return respond(401, ["error": "unauthorized"]) }
        return nil
    }

    private func respond(_ status: Int, _ json: JSONValue) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(
            status: .init(code: status), headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: CanonicalJSON.encode(json))))
    }
}

/// Lets the routes reach the processor object that is made once the port is known.
///
/// Safe as `@unchecked Sendable`: `value` is written once and read only under `lock`.
private final class ProcessorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: SimulatedProcessor?

    func set(_ processor: SimulatedProcessor) { lock.withLock { value = processor } }

    func processor() throws -> SimulatedProcessor {
        guard let value = lock.withLock({ value }) else { throw HTTPError(.serviceUnavailable) }
        return value
    }
}
