import Foundation
import GatewayCore
import GatewayOutbound
import GatewaySimulator
import GatewayStore
import GatewayTestSupport
import Logging
import Opencharge
import Testing

/// One gateway spool shared by real `ocgate serve` and `ocgate work` processes, a simulated Merchant Gateway
/// (OCID 300) whose webhook verifies every delivery, and a merchant (OCID 500), all on loopback. The flow
/// tests crash and race these processes and then read the spool's database.
struct FlowFixture {
    let directory: URL
    let port: Int
    /// The processes' settings; a test may add its own before it starts them.
    var environment: [String: String]
    let webhook: SimulatedWebhook
    let formToken: FormToken
    /// The merchant whose published key signs the orders.
    let merchant: SimulatedMerchant
    let client = OutboundClient(policy: OutboundPolicy(allowLoopback: true), maxConnections: 8, logger: Logger(label: "test"))
    /// The PostgreSQL database the processes' store is on, if not the spool's SQLite file.
    let database: PostgresSpoolDatabase?

    var base: String { "http://127.0.0.1:\(port)" }
    var databasePath: String { directory.appendingPathComponent("spool/ocgate.db").path }

    /// A fresh spool and key; retries after one second (no jitter) so a healed MG is reached quickly.
    /// - Parameter backend: where the store is: the spool's SQLite file, or a fresh PostgreSQL database.
    static func make(backend: TestBackend = .sqlite) async throws -> FlowFixture {
        try await make(database: try await PostgresSpoolDatabase.make(for: backend))
    }

    /// A fresh spool and key on `database` (nil: the spool's SQLite file).
    static func make(database: PostgresSpoolDatabase?) async throws -> FlowFixture {
        let directory = try OCGateProcess.temporaryDirectory()
        let keyFile = directory.appendingPathComponent("gateway.key").path
        let key = PrivateKey.generate()
        try KeyFile.write(key, to: keyFile, replacing: false)
        let port = closedLoopbackPort()
        let gateway = PeerMetadata(
            ocid: 200, name: "ocgate under test", publicKey: key.publicKey, previousKey: nil,
            endpoint: "http://127.0.0.1:\(port)", capabilities: [], currencies: ["USD"], accepts: [])
        let webhook = try await SimulatedWebhook.start(ocid: 300, trusting: [gateway], time: SystemTime())
        let merchant = SimulatedMerchant(party: SimulatedParty(ocid: 500, name: "Merchant", endpoint: "https://merchant.example"))
        let registry = directory.appendingPathComponent("registry.toml")
        try await MetadataServer.shared.publishRegistry(of: [webhook.party, merchant.party], to: registry)
        return FlowFixture(
            directory: directory, port: port,
            environment: [
                "OCGATE_SPOOL_DIR": directory.appendingPathComponent("spool").path, "OCGATE_GATEWAY_KEY_FILE": keyFile,
                "OCGATE_GATEWAY_PUBLIC_URL": "http://127.0.0.1:\(port)", "OCGATE_REGISTRY_FILE": registry.path,
                "OCGATE_HTTP_PORT": String(port), "OCGATE_PARTNERS_OPEN": "true", "OCGATE_LOG_LEVEL": "error",
                "OCGATE_DELIVERY_SCHEDULE": "1s", "OCGATE_DELIVERY_JITTER": "0", "OCGATE_WORKERS_POLL_INTERVAL": "100ms",
            ].merging(database?.environment ?? [:]) { $1 },
            webhook: webhook, formToken: FormToken(gatewayKey: key), merchant: merchant, database: database)
    }

    private static let config = OCGateProcess.packageRoot.appendingPathComponent("config/ocgate.toml").path

    /// `ocgate serve` (with or without its in-process workers), returned once `/health` answers.
    /// - Parameter port: its HTTP port, if not `port` (a second acceptor on the same store).
    /// - Parameter standardError: where its log goes (a file the test keeps), or nowhere.
    func serve(workers: Bool, port: Int? = nil, standardError: FileHandle = .nullDevice) async throws -> Process {
        let process = try OCGateProcess.launch(
            ["serve", "--config", Self.config] + (workers ? [] : ["--no-workers"]),
            environment: environment.merging(port.map { ["OCGATE_HTTP_PORT": String($0)] } ?? [:]) { $1 }, in: directory,
            standardError: standardError)
        let health = OutboundRequest(method: "GET", url: "http://127.0.0.1:\(port ?? self.port)/health", timeout: .seconds(1))
        if try await eventually({ (try? await client.send(health))?.status == 200 }) { return process }
        process.terminate()
        throw FlowFailure("timed out waiting for ocgate serve to answer /health")
    }

    /// `ocgate work` on the spool, with `--concurrency` if given, its stderr to `standardError` (a file a test
    /// reads) or nowhere.
    func work(concurrency: Int? = nil, standardError: FileHandle = .nullDevice) throws -> Process {
        try OCGateProcess.launch(
            ["work", "--config", Self.config] + (concurrency.map { ["--concurrency", "\($0)"] } ?? []),
            environment: environment, in: directory,
            standardError: standardError)
    }

    /// Creates a checkout as the MG does, tells the MG to expect its payment, and pays it on the hosted page as
    /// the customer's browser does. Returns the session id once the page answered 303.
    func checkoutAndPay(orderID: String) async throws -> String {
        let created = try await client.send(checkoutRequest(orderID: orderID))
        guard created.status == 200 else { throw FlowFailure("checkout \(orderID) answered \(created.status)") }
        let sessionID = try CheckoutCreateResponse(json: try JSONParser.parse(created.body)).sessionID
        let paid = try await client.send(payRequest(sessionID))
        guard paid.status == 303 else { throw FlowFailure("paying \(sessionID) answered \(paid.status)") }
        return sessionID
    }

    /// The MG's signed `POST /checkout/create` for a new order `orderID` to the acceptor at `base` (this fixture's
    /// unless given), the MG told to expect its payment. The same request sent twice carries the same nonce.
    func checkoutRequest(orderID: String, to base: String? = nil) -> OutboundRequest {
        let order = merchant.order(id: orderID, accepts: [300], createdAt: Int64(Date().timeIntervalSince1970))
        webhook.expect(orderID: orderID, merchantOCID: 500, amount: "99.99", currency: "USD")
        return SimulatedMerchantGateway(party: webhook.party).checkoutRequest(to: base ?? self.base, order: order, merchant: merchant)
    }

    /// The customer's browser paying `sessionID` on the hosted page at `base` (this fixture's unless given).
    func payRequest(_ sessionID: String, at base: String? = nil) -> OutboundRequest {
        SimulatedCustomer(gatewayURL: base ?? self.base, formToken: formToken).pay(sessionID)
    }

    /// Pays `count` sessions, eight at a time; returns their ids.
    func paySessions(_ count: Int, prefix: String) async throws -> Set<String> {
        try await withThrowingTaskGroup(of: [String].self) { group in
            for lane in 0..<8 {
                group.addTask {
                    var ids: [String] = []
                    for n in stride(from: lane, to: count, by: 8) { ids.append(try await checkoutAndPay(orderID: "\(prefix)_\(n)")) }
                    return ids
                }
            }
            return try await group.reduce(into: Set<String>()) { $0.formUnion($1) }
        }
    }

    /// What the spool holds about proofs and deliveries, read through the store contracts as another process.
    func ledger() async throws -> FlowLedger {
        let stores = try database?.stores ?? TestStores.sqlite(path: databasePath)
        var proofs: [FlowLedger.Proof] = []
        for entry in try await stores.settlement.ledgerWithDeliveries(from: nil, to: nil) {
            guard let proof = try await stores.proofs.proof(txid: entry.ledger.txid) else { continue }
            proofs.append(
                FlowLedger.Proof(
                    sessionID: proof.sessionID, txid: proof.txid, proofJSON: proof.proofJSON, signature: proof.signature,
                    deliveryState: proof.deliveryState.rawValue))
        }
        var paid: Set<String> = []
        for status in [SessionStatus.processing, .completed] {
            paid.formUnion(try await stores.sessions.list(SessionFilter(status: status)).map(\.session.id))
        }
        var workers: Set<String> = []
        for kind in [ProofIssuer.kind, ProofDelivery.kind] {
            for job in try await stores.jobs.list(JobFilter(kind: kind)) {
                let attempts = try await stores.jobs.show(id: job.id)?.attempts ?? []
                workers.formUnion(attempts.compactMap(\.worker))
            }
        }
        return FlowLedger(
            proofs: proofs, ledgerTxids: try await stores.proofs.ledgerEntries(mgOCID: 300).map(\.txid),
            paidSessions: paid,
            // Held by a worker: the pay requests' own first attempts (`AfterPayment.holderPrefix`) are not counted.
            runningDeliveries: try await stores.jobs.list(JobFilter(state: .running, kind: ProofDelivery.kind))
                .filter { !($0.worker ?? "").hasPrefix(AfterPayment.holderPrefix) }.count,
            proofWorkers: workers)
    }

    /// Polls the database until `done` holds, for at most `limit`.
    func waitFor(_ what: String, limit: Duration, _ done: (FlowLedger) -> Bool) async throws -> FlowLedger {
        var last: FlowLedger?
        let held = try await eventually(within: limit) {
            let ledger = try await ledger()
            last = ledger
            return done(ledger)
        }
        guard held, let last else { throw FlowFailure("timed out waiting for \(what)") }
        return last
    }

    /// Waits until every paid session's proof is accepted (in the database and by the MG), then checks the
    /// promise of the flow: one proof and one ledger entry per paid session, each proof accepted by the MG with
    /// the stored bytes, and no second txid for any order ever sent to the MG.
    func expectExactlyOnce(_ paid: Set<String>, limit: Duration) async throws {
        let ledger = try await waitFor("every proof accepted", limit: limit) { ledger in
            ledger.proofs.count >= paid.count && ledger.proofs.allSatisfy { $0.deliveryState == "accepted" }
                && webhook.acceptedBodies.count >= paid.count
        }
        expectExactlyOnce(paid, in: ledger)
    }

    /// The promise of the flow, checked on `ledger` once every proof was accepted: see `expectExactlyOnce(_:limit:)`.
    func expectExactlyOnce(_ paid: Set<String>, in ledger: FlowLedger) {
        #expect(ledger.paidSessions == paid)
        #expect(Set(ledger.proofs.map(\.sessionID)) == paid)
        #expect(ledger.proofs.count == paid.count)
        #expect(ledger.ledgerTxids.count == paid.count)
        #expect(Set(ledger.ledgerTxids) == Set(ledger.proofs.map(\.txid)))
        let accepted = webhook.acceptedBodies
        #expect(Set(accepted.keys) == Set(ledger.proofs.map(\.txid)))
        for proof in ledger.proofs {
            // Spec §6.1: the body is exactly {"proof":…,"signature":…} with the stored proof bytes.
            let stored = Array("{\"proof\":\(proof.proofJSON),\"signature\":\"\(proof.signature)\"}".utf8)
            #expect(accepted[proof.txid] == stored, "\(proof.txid) arrived with other bytes")
        }
        let sentTxids = Set(webhook.requests.compactMap { (try? JSONParser.parse($0.body))?["proof"]?["txid"]?.stringValue })
        #expect(sentTxids == Set(ledger.proofs.map(\.txid)), "the MG was sent a txid the database does not hold")
    }

    /// Kills `process` with SIGKILL and reaps it; nothing if it ended already (its pid may be another's by now).
    static func killNine(_ process: Process) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Stops a process the test still needs to end cleanly.
    static func stop(_ process: Process) {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}

/// Proofs, ledger entries and in-flight deliveries as the database holds them.
struct FlowLedger: Sendable {
    struct Proof: Sendable {
        let sessionID: String
        let txid: String
        let proofJSON: String
        let signature: String
        let deliveryState: String
    }

    let proofs: [Proof]
    let ledgerTxids: [String]
    /// Sessions a charge claimed (`processing` or `completed`): each is owed exactly one proof.
    let paidSessions: Set<String>
    /// Deliveries a worker (not a pay request) is running now.
    let runningDeliveries: Int
    /// The workers that ran an attempt of `proof.issue` or `callback.deliver`.
    let proofWorkers: Set<String>
}

/// A flow step that did not go as a customer or MG would expect, or a wait past its bound.
struct FlowFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
