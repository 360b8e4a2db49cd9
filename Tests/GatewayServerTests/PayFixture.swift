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

/// A gateway with the hosted page on a manual clock, and sessions made from simulated merchant orders.
struct PayFixture: Sendable {
    static let markupName = #"<script>alert("x")</script> & 'Co'"#
    static let markupItem = #"<img src=x onerror=alert(1)>Widget"#

    let merchant: SimulatedMerchant
    let gateway = SimulatedMerchantGateway(party: SimulatedParty(ocid: 300, name: "MG", endpoint: "https://mg.example"))
    /// `http.base_path`, also the path of the identity's public URL.
    let basePath: String
    let identity: GatewayIdentity
    let time = ManualTime()
    /// The backend's stores, with sessions seen through `statuses` (see `setStatus`).
    let stores: GatewayStores
    /// Holds the backend's stores open for as long as the fixture lives.
    private let scratch: ScratchStores
    private let statuses: StatusOverrides
    var sessions: any CheckoutSessionStore { stores.sessions }
    let peers: InlinePeerDirectory

    /// - Parameters:
    ///   - backend: where the stores are (SQLite unless a test runs on every backend).
    ///   - merchantKnown: false leaves the merchant out of the directory (its metadata unavailable).
    ///   - basePath: served under this prefix too, with `https://pg.example{basePath}` as the public URL.
    init(
        backend: TestBackend = .sqlite, merchantName: String = PayFixture.markupName, merchantKnown: Bool = true,
        basePath: String = ""
    ) throws {
        self.basePath = basePath
        identity = GatewayIdentity(
            ocid: 200, name: "Test PG", key: .generate(), publicURL: "https://pg.example" + basePath, currencies: ["USD"])
        merchant = SimulatedMerchant(party: SimulatedParty(ocid: 500, name: merchantName, endpoint: "https://merchant.example"))
        scratch = try ScratchStores(backend, time: time)
        let base = scratch.stores
        statuses = StatusOverrides(base.sessions)
        stores = GatewayStores(
            sessions: statuses, charges: base.charges, proofs: base.proofs, deliveries: base.deliveries,
            settlement: base.settlement, partners: base.partners, nonces: base.nonces,
            peerDocuments: base.peerDocuments, jobs: base.jobs, maintenance: base.maintenance,
            audit: base.audit, activity: base.activity)
        peers = InlinePeerDirectory(merchantKnown ? [merchant.party, gateway.party] : [gateway.party])
    }

    func withServer(_ test: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let authenticator = RequestAuthenticator(
            directory: peers, nonces: stores.nonces,
            policy: PartnerPolicy(partners: stores.partners, open: true, time: time), basePath: basePath,
            time: time, logger: Logger(label: "test"))
        let acceptor = CheckoutAcceptor(
            identity: identity, checkout: CheckoutSection(), authenticator: authenticator,
            peers: peers, sessions: sessions, drain: DrainState(queue: stores.jobs, time: time),
            checkoutURL: CheckoutPageAddress(publicURL: identity.publicURL).url(sessionID:), time: time,
            logger: Logger(label: "test"))
        let server = GatewayServer(
            settings: ServerSettings(host: "127.0.0.1", port: 0, bodyLimit: 4096, basePath: basePath), identity: identity,
            stores: stores, acceptor: acceptor, time: time, logger: Logger(label: "test"))
        try await server.makeApplication().test(.router, test)
    }

    /// A pending session for an order of two lines (one named with markup), 30 minutes to go.
    func openSession() async throws -> CheckoutSessionRecord {
        let now = time.now()
        let orderID = "ord_" + UUID().uuidString.lowercased()
        let order = merchant.order(
            id: orderID, amount: "25.50", accepts: [300], createdAt: Int64(now.timeIntervalSince1970),
            items: [
                ["id": "i1", "name": .string(Self.markupItem), "quantity": 2, "price": "10.00"],
                ["id": "i2", "name": "Gift wrap", "quantity": 1, "price": "5.50"],
            ])
        let record = CheckoutSessionRecord(
            id: SessionID.generate(), mgOCID: 300, merchantOCID: 500, orderID: orderID,
            orderJSON: String(decoding: CanonicalJSON.encode(order), as: UTF8.self), orderSignature: merchant.sign(order),
            requestDigest: UUID().uuidString, amount: "25.50", currency: "USD",
            successURL: "https://merchant.example/ok?order=ord_42&x=1", cancelURL: "https://merchant.example/cancel",
            status: "pending", createdAt: now, expiresAt: Int64(now.timeIntervalSince1970) + 1800)
        _ = try await sessions.create(record, nonce: nil, job: SessionOpenJob(session: record.id).job())
        return record
    }

    /// Makes the store report `status` for session `id`, as a backend holding a session in that state would (some,
    /// like `failed`, no path of this gateway writes today, but a page must still render them).
    func setStatus(_ status: SessionStatus, of id: String) {
        statuses.set(status, for: id)
    }

    func jobs(_ kind: String) async throws -> [Job] { try await stores.jobs.list(JobFilter(kind: kind)) }

    func chargeCount(_ id: String) async throws -> Int { try await stores.charges.charges(sessionID: id).count }
}

extension TestClientProtocol {
    func page(_ id: String) async throws -> TestResponse {
        try await execute(uri: "/pay/\(id)", method: .get)
    }

    func submit(_ path: String, _ fields: [(String, String)]) async throws -> TestResponse {
        let body = fields.map { "\($0)=\($1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
            .joined(separator: "&")
        return try await execute(
            uri: path, method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: body))
    }

    /// The CSRF token as the page embeds it.
    func formToken(_ id: String) async throws -> String {
        let html = String(buffer: try await page(id).body)
        let marker = #"name="csrf" value=""#
        let start = try #require(html.range(of: marker)).upperBound
        return String(html[start...].prefix { $0 != "\"" })
    }
}

extension TestResponse {
    var html: String { String(buffer: body) }
}

/// Sessions as the wrapped store keeps them, except for the statuses a test set.
///
/// `@unchecked Sendable`: `statuses` is only touched under `lock`.
final class StatusOverrides: CheckoutSessionStore, @unchecked Sendable {
    private let base: any CheckoutSessionStore
    private let lock = NSLock()
    private var statuses: [String: SessionStatus] = [:]

    init(_ base: any CheckoutSessionStore) { self.base = base }

    func set(_ status: SessionStatus, for id: String) { lock.withLock { statuses[id] = status } }

    func session(id: String) async throws -> CheckoutSessionRecord? {
        guard var session = try await base.session(id: id) else { return nil }
        if let status = lock.withLock({ statuses[id] }) { session.status = status.rawValue }
        return session
    }

    func create(_ record: CheckoutSessionRecord, nonce: NonceClaim?, job: NewJob?) async throws -> SessionCreation {
        try await base.create(record, nonce: nonce, job: job)
    }
    func session(mgOCID: UInt64, orderID: String, merchantOCID: UInt64?) async throws -> CheckoutSessionRecord? {
        try await base.session(mgOCID: mgOCID, orderID: orderID, merchantOCID: merchantOCID)
    }
    func count() async throws -> Int { try await base.count() }
    func name(sessionID: String, merchantName: String) async throws -> Bool {
        try await base.name(sessionID: sessionID, merchantName: merchantName)
    }
    func cancel(sessionID: String, now: Date) async throws -> SessionCancellation {
        try await base.cancel(sessionID: sessionID, now: now)
    }
    func expirePending(now: Date) async throws -> Int { try await base.expirePending(now: now) }
    func list(_ filter: SessionFilter) async throws -> [SessionOverview] { try await base.list(filter) }
    func overview(id: String) async throws -> SessionOverview? { try await base.overview(id: id) }
}
