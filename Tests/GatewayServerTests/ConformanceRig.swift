import Foundation
import GatewayConfig
import GatewayCore
import GatewayServer
import GatewaySimulator
import GatewayStore
import GatewayTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Opencharge
import Testing

/// A directory that knows the given parties and cannot reach the metadata of one more OCID, so a test can
/// see the 502 of an unreachable peer.
struct PartlyReachableDirectory: PeerDirectory {
    let known: InlinePeerDirectory
    let unreachable: UInt64

    func metadata(for ocid: UInt64) async throws(APIError) -> PeerMetadata {
        if ocid == unreachable { throw APIError(.metadataUnavailable, "metadata of OCID \(ocid) unavailable: timed out") }
        return try await known.metadata(for: ocid)
    }
}

/// A running gateway with every kind of caller the document talks about, and the check that each of its
/// answers is what `docs/openapi.yaml` says, recording which operations were exercised.
///
/// `@unchecked Sendable`: the one mutable field, `exercised`, is only touched under `lock`.
final class ConformanceRig: @unchecked Sendable {
    let document: OpenAPIDocument
    let merchant = SimulatedMerchant(party: SimulatedParty(ocid: 500, name: "Merchant", endpoint: "https://merchant.example"))
    /// A partner in good standing.
    let gateway = SimulatedMerchantGateway(party: SimulatedParty(ocid: 300, name: "MG", endpoint: "https://mg.example"))
    /// Another partner in good standing: a competitor of `gateway`.
    let rival = SimulatedMerchantGateway(party: SimulatedParty(ocid: 303, name: "Rival MG", endpoint: "https://rival.example"))
    /// Resolvable, but a disabled partner.
    let disabled = SimulatedMerchantGateway(party: SimulatedParty(ocid: 301, name: "Disabled MG", endpoint: "https://off.example"))
    /// Its metadata cannot be fetched.
    let unreachable = SimulatedMerchantGateway(party: SimulatedParty(ocid: 302, name: "Lost MG", endpoint: "https://lost.example"))
    /// In no registry.
    let stranger = SimulatedMerchantGateway(party: SimulatedParty(ocid: 999, name: "Stranger", endpoint: "https://x.example"))
    let identity = GatewayIdentity(ocid: 200, name: "PG", key: .generate(), publicURL: "https://pg.example", currencies: ["USD"])
    let time = ManualTime(Date())
    let stores: GatewayStores
    /// Holds the stores open for as long as the rig lives.
    private let scratch: ScratchStores
    private let lock = NSLock()
    private var exercised: Set<OpenAPIDocument.Operation> = []

    static let bodyLimit = 4096

    init(backend: TestBackend = .sqlite) throws {
        document = try OpenAPIDocument.shipped.get()
        scratch = try ScratchStores(backend, time: time)
        stores = scratch.stores
    }

    /// Adds the disabled partner the rig's refusals need.
    func prepare() async throws {
        try await stores.partners.add(
            Partner(
                ocid: disabled.party.ocid, name: "Disabled MG", publicKey: disabled.party.key.publicKey.hex,
                endpoint: disabled.party.endpoint, status: .disabled, addedAt: time.now()))
    }

    /// Serves the gateway to `test`; `rateLimiter` turns on `rate_limit`.
    func withServer(
        _ mode: TestingSetup = .router, rateLimiter: RateLimiter? = nil, _ test: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let peers = PartlyReachableDirectory(
            known: InlinePeerDirectory([merchant.party, gateway.party, rival.party, disabled.party]),
            unreachable: unreachable.party.ocid)
        try await prepare()
        let authenticator = RequestAuthenticator(
            directory: peers, nonces: stores.nonces, policy: PartnerPolicy(partners: stores.partners, open: true, time: time),
            basePath: "", time: time, logger: Logger(label: "test"))
        let acceptor = CheckoutAcceptor(
            identity: identity, checkout: CheckoutSection(), authenticator: authenticator, peers: peers,
            sessions: stores.sessions, drain: DrainState(queue: stores.jobs, time: time),
            rateLimiter: rateLimiter, checkoutURL: CheckoutPageAddress(publicURL: identity.publicURL).url(sessionID:),
            time: time, logger: Logger(label: "test"))
        let server = GatewayServer(
            settings: ServerSettings(host: "127.0.0.1", port: 0, bodyLimit: Self.bodyLimit), identity: identity,
            stores: stores, acceptor: acceptor, time: time, logger: Logger(label: "test"))
        try await server.makeApplication().test(mode, test)
    }

    /// Expects `response` to be what the document says `method path` answers, and a JSON answer to carry a
    /// response signature that verifies with the gateway key. Returns the JSON body, if any.
    @discardableResult
    func expectDocumented(
        _ response: TestResponse, _ method: String, _ path: String, sourceLocation: SourceLocation = #_sourceLocation
    ) -> JSONValue? {
        let operation = OpenAPIDocument.Operation(method, path)
        lock.withLock { _ = exercised.insert(operation) }
        for problem in document.problems(response, for: operation) {
            Issue.record(Comment(rawValue: problem), sourceLocation: sourceLocation)
        }
        guard response.headers[.contentType] == "application/json" else { return nil }
        #expect(signatureVerifies(response), "\(operation) \(response.status.code): response signature", sourceLocation: sourceLocation)
        return try? JSONParser.parse(Array(response.body.readableBytesView))
    }

    /// The operations `expectDocumented` has seen.
    var operationsExercised: Set<OpenAPIDocument.Operation> { lock.withLock { exercised } }

    private func signatureVerifies(_ response: TestResponse) -> Bool {
        guard let ocid = response.headers[HTTPField.Name(OCHeader.id)!],
            let timestamp = response.headers[HTTPField.Name(OCHeader.timestamp)!],
            let signatureText = response.headers[HTTPField.Name(OCHeader.signature)!],
            let signature = try? Signature(hex: signatureText)
        else { return false }
        let canonical = CanonicalResponse(
            ocid: ocid, timestamp: timestamp, status: Int(response.status.code),
            bodyHash: SHA256Digest(hashing: Array(response.body.readableBytesView)))
        return identity.key.publicKey.verifies(signature, over: canonical.digest)
    }

    // MARK: Requests

    /// A merchant order as the simulated merchant signs it, created now.
    func order(id: String = "ord_" + UUID().uuidString.lowercased(), amount: String = "99.99", currency: String = "USD",
               accepts: [UInt64] = [300], expiresAt: Int64? = nil) -> JSONValue {
        merchant.order(
            id: id, amount: amount, currency: currency, accepts: accepts, createdAt: Int64(time.now().timeIntervalSince1970),
            expiresAt: expiresAt)
    }

    /// The checkout body for `order`, signed by the merchant (or carrying `signature`).
    func checkoutBody(_ order: JSONValue, signature: String? = nil, merchantOcid: UInt64 = 500) -> [UInt8] {
        gateway.checkoutBody(order: order, signature: signature ?? merchant.sign(order), merchantOcid: merchantOcid)
    }

    /// Fresh `X-OC-*` headers by `caller`, at the rig's clock moved by `skew`.
    func signedHeaders(
        _ method: String, _ path: String, body: [UInt8] = [], by caller: SimulatedMerchantGateway? = nil, skew: TimeInterval = 0
    ) -> HTTPFields {
        var fields = HTTPFields()
        for (name, value) in (caller ?? gateway).sign(method: method, path: path, body: body, at: time.now() + skew) {
            fields[HTTPField.Name(name)!] = value
        }
        if method == "POST" { fields[.contentType] = "application/json" }
        return fields
    }

    /// Runs every queued `proof.issue` job, as a worker would after a paid hosted checkout.
    func issueProofs() async throws {
        let issuer = ProofIssuer(identity: identity, proofs: stores.proofs, time: time, logger: Logger(label: "test"))
        let jobs = try await stores.jobs.claim(kinds: [ProofIssuer.kind], limit: 100, worker: "rig", lease: .seconds(30))
        for job in jobs { _ = await issuer.run(job) }
    }

    /// `POST /checkout/create` with `body`, signed by `caller` unless `headers` are given.
    func create(
        _ client: any TestClientProtocol, _ body: [UInt8], by caller: SimulatedMerchantGateway? = nil, headers: HTTPFields? = nil
    ) async throws -> TestResponse {
        let fields = headers ?? signedHeaders("POST", "/checkout/create", body: body, by: caller)
        return try await client.execute(uri: "/checkout/create", method: .post, headers: fields, body: ByteBuffer(bytes: body))
    }
}
