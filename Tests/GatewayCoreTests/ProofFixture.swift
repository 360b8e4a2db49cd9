import Foundation
import GatewayAssembly
import GatewayConfig
import GatewayCore
import GatewaySimulator
import GatewayStore
import GatewayTestSupport
import Logging
import Opencharge

/// A spool with a gateway identity, a merchant and paid sessions, for the proof and delivery tests.
struct ProofFixture {
    let time = ManualTime()
    let runtime: GatewayRuntime
    let identity = GatewayIdentity(ocid: 200, name: "Test PG", key: .generate(), publicURL: "https://pg.example", currencies: ["USD"])
    let merchant = SimulatedMerchant(party: SimulatedParty(ocid: 500, name: "Merchant", endpoint: "https://merchant.example"))
    let mgOCID: UInt64 = 300
    var stores: GatewayStores { runtime.stores }
    var sessions: any CheckoutSessionStore { stores.sessions }
    var proofs: any ProofStore { stores.proofs }
    var deliveries: any DeliveryStore { stores.deliveries }
    let logs = RecordedLogs()

    init(delivery: DeliverySection = DeliverySection()) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ocgate-proofs-\(UUID().uuidString)").path
        var configuration = GatewayConfigurationFixture.make()
        configuration.spool = SpoolSection(dir: dir)
        configuration.store.durability = .normal
        configuration.delivery = delivery
        runtime = try GatewayAssembly.runtime(configuration, time: time)
    }

    /// The gateway as the simulated MG trusts it.
    var gatewayMetadata: PeerMetadata {
        SimulatedParty(ocid: identity.ocid, name: identity.name, key: identity.key, endpoint: identity.publicURL).metadata
    }

    /// Stores a session for a signed order and claims it with a succeeded charge, as the sandbox pay step does:
    /// the session is `processing` and its `proof.issue` job is queued.
    func paidSession(amount: String = "1234.50", currency: String = "USD", ttl: Int64 = 1800) async throws
        -> (session: CheckoutSessionRecord, charge: String)
    {
        let record = try await storedSession(amount: amount, currency: currency, ttl: ttl)
        let now = time.now()
        let charge = "sbx_" + UUID().uuidString.lowercased()
        _ = try await stores.charges.claim(
            sessionID: record.id,
            for: ChargeRecord(reference: charge, sessionID: record.id, backend: "sandbox", state: .succeeded, settlesAt: nil, createdAt: now),
            job: ProofIssueJob(session: record.id, charge: charge).job(), now: now)
        return (record, charge)
    }

    /// Stores a pending session for a signed order, as the acceptor does.
    func storedSession(amount: String = "1234.50", currency: String = "USD", ttl: Int64 = 1800) async throws
        -> CheckoutSessionRecord
    {
        let now = time.now()
        let order = merchant.order(amount: amount, currency: currency, accepts: [mgOCID], createdAt: Int64(now.timeIntervalSince1970))
        guard let orderID = order["id"]?.stringValue else { throw ProofFixtureError.orderWithoutID }
        let record = CheckoutSessionRecord(
            id: SessionID.generate(), mgOCID: mgOCID, merchantOCID: merchant.party.ocid, orderID: orderID,
            orderJSON: CanonicalJSON.string(order), orderSignature: merchant.sign(order), requestDigest: UUID().uuidString,
            amount: amount, currency: currency, successURL: "https://merchant.example/ok",
            cancelURL: "https://merchant.example/cancel", status: "pending", createdAt: now,
            expiresAt: Int64(now.timeIntervalSince1970) + ttl)
        _ = try await sessions.create(record, nonce: nil, job: SessionOpenJob(session: record.id).job())
        return record
    }

    func issuer() -> ProofIssuer {
        ProofIssuer(identity: identity, proofs: proofs, time: time, logger: logs.logger)
    }

    /// Claims the queued jobs of `kind` as a worker would.
    func claim(_ kind: String) async throws -> [ClaimedJob] {
        try await stores.jobs.claim(kinds: [kind], limit: 100, worker: "test", lease: .seconds(60))
    }

    func jobs(_ kind: String) async throws -> [Job] {
        try await stores.jobs.list(JobFilter(kind: kind))
    }

    /// Ledger entries payable to the fixture's MG (every session here is its).
    func ledgerCount() async throws -> Int {
        try await proofs.ledgerEntries(mgOCID: mgOCID).count
    }

    /// Proofs issued for the fixture's MG, each with its ledger entry.
    func proofCount() async throws -> Int {
        try await stores.settlement.ledgerWithDeliveries(from: nil, to: nil).count
    }
}

enum ProofFixtureError: Error, CustomStringConvertible {
    case orderWithoutID

    var description: String { "the simulated merchant made an order without an id" }
}
