import Foundation
import GatewayCore
import GatewayStore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Opencharge

/// A simulated Merchant Gateway's `POST /transfer/webhook` on 127.0.0.1 (random port) that checks what a real MG
/// would (spec §10 item 4): request auth (timestamp window, nonce, signature by `X-OC-ID`'s key), a trusted
/// issuer equal to `X-OC-ID`, the proof signature, recipient, order reference, amount and currency by string
/// equality; duplicates by `(issuer, txid)` are accepted again. Faults can be injected (§10 item 5). It also
/// takes settlement statements at `statementPath`, checking the request and the statement's signature.
///
/// With `checking: .afterwards` it is the stub of `ocgate bench flow`: it answers a proof delivery at once and
/// runs the same checks when asked (`checkDeferred()`), after the clock stopped. A real MG runs on its own
/// machine; checking inline would put its two signature verifications per proof on the cores being measured.
///
/// Safe as `@unchecked Sendable`: the mutable tables are read and written only under `lock`.
public final class SimulatedWebhook: @unchecked Sendable {
    /// A misbehaviour the MG shows until it is healed (`inject(nil)`).
    public enum Fault: Sendable, Equatable {
        /// Answers 503 (with `Retry-After` if given) to the next `times` requests, then behaves.
        case unavailable(times: Int, retryAfter: String? = nil)
        /// Answers 400 `INVALID_PROOF` to every request.
        case invalidProof
        /// Waits this long before answering normally.
        case hang(Duration)
        /// Answers `200 {"status":"rejected"}`.
        case rejected
    }

    /// One request the MG received and how it answered.
    public struct Received: Sendable {
        public let body: [UInt8]
        public let nonce: String
        public let timestamp: String
        public let status: Int
    }

    /// When a proof delivery is checked.
    public enum Checking: Sendable {
        /// Before answering, as a real MG does.
        case onReceipt
        /// By `checkDeferred()`: a delivery whose body names a txid is answered `accepted` at once.
        case afterwards
    }

    /// A proof delivery answered before it was checked, kept for `checkDeferred()`.
    private struct Deferred {
        let headers: [String: String]
        let target: String
        let body: [UInt8]
        let receivedAt: Int64
    }

    /// An order the MG waits to see paid.
    struct PendingPayment {
        let merchantOCID: UInt64
        let amount: String
        let currency: String
    }

    /// This MG as a directory knows it; its endpoint is the running server.
    public let party: SimulatedParty
    private let gateways: [UInt64: PeerMetadata]
    private let time: any TimeSource
    private let checking: Checking
    private let lock = NSLock()
    private var fault: Fault?
    private var orders: [String: PendingPayment] = [:]
    private var received: [Received] = []
    private var accepted: [String: [UInt8]] = [:]
    private var statements: [String: [UInt8]] = [:]
    private var nonces: Set<String> = []
    private var deferred: [Deferred] = []
    private var server: Task<Void, any Error>?
    /// The last reply signed: a deterministic signer signs the same status, body and second into the same bytes,
    /// so the stub signs each distinct reply once a second rather than once per delivery.
    private var lastSigned: (status: Int, body: [UInt8], timestamp: Int64, headers: SignedResponseHeaders)?

    private init(party: SimulatedParty, gateways: [PeerMetadata], time: any TimeSource, checking: Checking) {
        self.party = party
        self.gateways = Dictionary(gateways.map { ($0.ocid, $0) }, uniquingKeysWith: { _, last in last })
        self.time = time
        self.checking = checking
    }

    /// Where the MG takes settlement statements (`settlement.notify` points here).
    public static let statementPath = "/settlement/statements"

    /// What a request delivers.
    private enum Delivery { case proof, statement }

    /// Starts an MG with OCID `ocid` that accepts proofs from `gateways`, judging timestamps by `time`.
    public static func start(
        ocid: UInt64 = 300, key: PrivateKey = .generate(), trusting gateways: [PeerMetadata], time: any TimeSource,
        checking: Checking = .onReceipt
    ) async throws -> SimulatedWebhook {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let box = ServerBox()
        let router = Router()
        router.post("transfer/webhook") { request, _ in
            let body = try await request.body.collect(upTo: 1 << 20)
            return try await box.webhook().answer(request, body: Array(body.readableBytesView), delivery: .proof)
        }
        router.post(RouterPath(stringLiteral: String(statementPath.dropFirst()))) { request, _ in
            let body = try await request.body.collect(upTo: 16 << 20)
            return try await box.webhook().answer(request, body: Array(body.readableBytesView), delivery: .statement)
        }
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            }, logger: Logger(label: "simulated-mg", factory: { _ in SwiftLogNoOpLogHandler() }))
        let server = Task { try await app.runService(gracefulShutdownSignals: []) }
        var port = 0
        for await bound in ports { port = bound }
        let webhook = SimulatedWebhook(
            party: SimulatedParty(
                ocid: ocid, name: "Simulated MG", key: key, endpoint: "http://127.0.0.1:\(port)",
                capabilities: ["orders.checkout", "transfer.webhook"], accepts: gateways.map(\.ocid)),
            gateways: gateways, time: time, checking: checking)
        webhook.lock.withLock { webhook.server = server }
        box.set(webhook)
        return webhook
    }

    /// Stops the server.
    public func stop() {
        lock.withLock { server }?.cancel()
    }

    /// Registers an order the MG waits to see paid.
    public func expect(orderID: String, merchantOCID: UInt64, amount: String, currency: String) {
        lock.withLock { orders[orderID] = PendingPayment(merchantOCID: merchantOCID, amount: amount, currency: currency) }
    }

    /// Starts (or with nil, heals) a fault.
    public func inject(_ fault: Fault?) {
        lock.withLock { self.fault = fault }
    }

    /// Every request received, oldest first.
    public var requests: [Received] { lock.withLock { received } }

    /// The webhook bodies of accepted proofs, by txid (each once, duplicates included only once).
    public var acceptedBodies: [String: [UInt8]] { lock.withLock { accepted } }

    /// The signed statements accepted, by statement id.
    public var acceptedStatements: [String: [UInt8]] { lock.withLock { statements } }

    /// Runs the checks a `.afterwards` MG skipped on every delivery it answered, in the order they came, as of
    /// when each came; returns one line per delivery that fails them (empty when all pass).
    public func checkDeferred() -> [String] {
        let answered = lock.withLock { deferred }
        return answered.compactMap { delivery -> String? in
            do throws(APIError) {
                _ = try check(
                    header: { delivery.headers[$0] ?? "" }, target: delivery.target, body: delivery.body, delivery: .proof,
                    at: delivery.receivedAt)
                return nil
            } catch {
                return "\(error.code.rawValue): \(error.message)"
            }
        }
    }

    private func answer(_ request: Request, body: [UInt8], delivery: Delivery) async throws -> Response {
        let header = { (name: String) in request.headers[HTTPField.Name(name)!] ?? "" }
        let target = request.head.path ?? request.uri.string
        let active = lock.withLock { () -> Fault? in
            let current = fault
            if case .unavailable(let times, let retryAfter) = current {
                fault = times > 1 ? .unavailable(times: times - 1, retryAfter: retryAfter) : nil
            }
            return current
        }
        let outcome: (status: Int, body: JSONValue, extra: [(String, String)])
        switch active {
        case .unavailable(_, let retryAfter):
            outcome = (503, APIError(.internalError, "temporarily unavailable").json, retryAfter.map { [("Retry-After", $0)] } ?? [])
        case .invalidProof:
            outcome = (400, APIError(.invalidProof, "injected rejection").json, [])
        case .rejected:
            outcome = (200, ["status": "rejected", "message": "injected rejection"], [])
        case .hang(let delay):
            try await Task.sleep(for: delay)
            outcome = judge(header: header, target: target, body: body, delivery: delivery)
        case nil where checking == .afterwards && delivery == .proof:
            outcome = acknowledge(header: header, target: target, body: body)
        case nil:
            outcome = judge(header: header, target: target, body: body, delivery: delivery)
        }
        lock.withLock {
            received.append(
                Received(body: body, nonce: header(OCHeader.nonce), timestamp: header(OCHeader.timestamp), status: outcome.status))
        }
        return respond(outcome.status, outcome.body, extra: outcome.extra)
    }

    private func judge(
        header: (String) -> String, target: String, body: [UInt8], delivery: Delivery
    ) -> (Int, JSONValue, [(String, String)]) {
        do {
            return (200, try check(header: header, target: target, body: body, delivery: delivery, at: now()), [])
        } catch {
            return (error.status, error.json, [])
        }
    }

    /// A `.afterwards` MG's answer: accepted, if the body names a txid; the checks wait for `checkDeferred()`.
    private func acknowledge(header: (String) -> String, target: String, body: [UInt8]) -> (Int, JSONValue, [(String, String)]) {
        guard let txid = (try? JSONParser.parse(body))?["proof"]?["txid"]?.stringValue else {
            let error = APIError(.invalidProof, "body is not {proof, signature}")
            return (error.status, error.json, [])
        }
        let headers = Dictionary(uniqueKeysWithValues: [OCHeader.id, OCHeader.timestamp, OCHeader.nonce, OCHeader.signature].map { ($0, header($0)) })
        lock.withLock {
            deferred.append(Deferred(headers: headers, target: target, body: body, receivedAt: now()))
            if accepted[txid] == nil { accepted[txid] = body }
        }
        // The reply of §6.1 (a), an MG taking a proof after hosted checkout: the same for every proof.
        return (200, ["status": "accepted"], [])
    }

    /// Every check of a delivery that came at `now` (unix seconds); the answer's body if it passes them.
    private func check(
        header: (String) -> String, target: String, body: [UInt8], delivery: Delivery, at now: Int64
    ) throws(APIError) -> JSONValue {
        let gateway = try authenticate(header: header, target: target, body: body, at: now)
        switch delivery {
        case .proof: return try verifyProof(body, from: gateway)
        case .statement: return try verifyStatement(body, from: gateway)
        }
    }

    private func now() -> Int64 { Int64(time.now().timeIntervalSince1970) }

    /// Request authentication (spec §3) of a request that came at `now`: the trusted gateway that signed it.
    private func authenticate(
        header: (String) -> String, target: String, body: [UInt8], at now: Int64
    ) throws(APIError) -> PeerMetadata {
        let ocidText = header(OCHeader.id)
        let timestampText = header(OCHeader.timestamp)
        let nonce = header(OCHeader.nonce)
        guard let caller = UInt64(ocidText), let gateway = gateways[caller] else {
            throw APIError(.issuerNotAccepted, "X-OC-ID \(ocidText) is not a trusted gateway")
        }
        guard let timestamp = Int64(timestampText), abs(now - timestamp) <= 300 else {
            throw APIError(.timestampExpired, "timestamp \(timestampText) outside the window")
        }
        let canonical = CanonicalRequest(
            ocid: ocidText, timestamp: timestampText, nonce: nonce, method: "POST", path: target,
            bodyHash: SHA256Digest(hashing: body))
        guard let signature = try? Signature(hex: header(OCHeader.signature)),
            gateway.verificationKeys.contains(where: { $0.verifies(signature, over: canonical.digest) })
        else { throw APIError(.invalidSignature, "request signature does not verify") }
        let fresh = lock.withLock { nonces.insert("\(caller):\(nonce)").inserted }
        guard fresh else { throw APIError(.nonceReused, "nonce \(nonce) was used before") }
        return gateway
    }

    private func verifyProof(_ body: [UInt8], from gateway: PeerMetadata) throws(APIError) -> JSONValue {
        let caller = gateway.ocid
        guard let envelope = try? JSONParser.parse(body), let proofJSON = envelope["proof"],
            let signatureHex = envelope["signature"]?.stringValue, envelope.objectValue?.count == 2,
            let proof = try? TransferProof(json: proofJSON)
        else { throw APIError(.invalidProof, "body is not {proof, signature}") }
        guard proof.issuer == caller else { throw APIError(.invalidProof, "Issuer mismatch") }
        guard let proofSignature = try? Signature(hex: signatureHex),
            gateway.verificationKeys.contains(where: { $0.verifyObject(proofJSON, signature: proofSignature, allowLegacy: false) != nil })
        else { throw APIError(.proofSignatureInvalid, "proof signature does not verify") }
        guard let reference = proof.to.reference, let order = lock.withLock({ orders[reference] }) else {
            throw APIError(.invalidProof, "no pending payment for to.reference")
        }
        guard proof.to.ocid == order.merchantOCID || proof.to.ocid == party.ocid else {
            throw APIError(.invalidProof, "Wrong recipient")
        }
        guard proof.amount == order.amount else { throw APIError(.amountMismatch, "amount \(proof.amount) != \(order.amount)") }
        guard proof.currency == order.currency else { throw APIError(.currencyMismatch, "currency \(proof.currency)") }
        lock.withLock {
            if accepted[proof.txid] == nil { accepted[proof.txid] = body }
        }
        return ["status": "accepted", "txid": .string(proof.txid)]
    }

    /// A statement must be signed by the gateway that sends it and be addressed to this MG.
    private func verifyStatement(_ body: [UInt8], from gateway: PeerMetadata) throws(APIError) -> JSONValue {
        guard let statement = (try? JSONParser.parse(body))?["statement"], let id = statement["id"]?.stringValue,
            statement["issuer"]?.numberValue?.uint64Value == gateway.ocid
        else { throw APIError(.invalidRequest, "body is not a statement issued by the caller") }
        guard statement["merchantGateway"]?.numberValue?.uint64Value == party.ocid else {
            throw APIError(.invalidRequest, "statement is for another MG")
        }
        guard StatementDocument.verifies(body, keys: gateway.verificationKeys) else {
            throw APIError(.invalidSignature, "statement signature does not verify")
        }
        lock.withLock {
            if statements[id] == nil { statements[id] = body }
        }
        return ["status": "accepted", "statement": .string(id)]
    }

    private func respond(_ status: Int, _ json: JSONValue, extra: [(String, String)]) -> Response {
        let body = CanonicalJSON.encode(json)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        let signed = signedHeaders(status, body)
        for (name, value) in signed.fields.map({ ($0.name, $0.value) }) + extra { headers[HTTPField.Name(name)!] = value }
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

extension SimulatedWebhook {
    /// The signed headers of a reply, signed once per distinct reply and second.
    private func signedHeaders(_ status: Int, _ body: [UInt8]) -> SignedResponseHeaders {
        let timestamp = now()
        if let last = lock.withLock({ lastSigned }), last.status == status, last.timestamp == timestamp, last.body == body {
            return last.headers
        }
        let signed = party.key.signResponse(ocid: party.ocid, status: status, body: body, timestamp: timestamp)
        lock.withLock { lastSigned = (status, body, timestamp, signed) }
        return signed
    }
}

/// Lets the route reach the webhook object that is made once the port is known.
///
/// Safe as `@unchecked Sendable`: `value` is written once and read only under `lock`.
private final class ServerBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: SimulatedWebhook?

    func set(_ webhook: SimulatedWebhook) { lock.withLock { value = webhook } }

    func webhook() throws -> SimulatedWebhook {
        guard let value = lock.withLock({ value }) else { throw HTTPError(.serviceUnavailable) }
        return value
    }
}
