import Foundation
import GatewayStore
import GatewayStorePostgres
import GatewayStoreSQLite
import Logging

/// Every storage backend the conformance suite runs on. Each test takes one as its argument, so a backend added
/// here runs the whole suite.
///
/// Each suite runs its tests one at a time (`.serialized`; the suites still run beside each other and beside the
/// other targets): run all at once, its ~280 cases held ~2,500 database files open in the one test process, and
/// Foundation's `Process.run` crashed copying the descriptors of another suite's subprocess (seen under load).
enum ConformanceBackend: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    /// A fresh database per test on the server `OCGATE_TEST_POSTGRES_URL` names (`scripts/postgres-test-cluster`).
    case postgres

    var description: String { rawValue }

    /// A fresh, empty set of stores on this backend, reading time from `time`, and how to discard them. `.normal`
    /// durability by default: nothing here tests durability, and syncing every commit would only slow the suite down.
    func openStores(time: any TimeSource, durability: Durability = .normal) throws -> OpenedStores {
        switch self {
        case .sqlite:
            // One directory per database, so discarding it takes the WAL and shared-memory files along.
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("ocgate-conformance-\(UUID().uuidString)", isDirectory: true)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let path = directory.appendingPathComponent("gateway.db").path
            let backend = try SQLiteBackend.open(path: path, durability: durability, busyTimeout: .seconds(10), time: time)
            return OpenedStores(stores: backend.stores, snapshot: { try backend.snapshot() }) {
                try? FileManager.default.removeItem(at: directory)
            }
        case .postgres:
            return try PostgresTestDatabase.open(time: time)
        }
    }
}

/// A backend's stores for one test, and what discards them.
struct OpenedStores: Sendable {
    let stores: GatewayStores
    /// A snapshot of every table, where the backend is one `ocgate store copy` reads (SQLite).
    let snapshot: (@Sendable () throws -> any StoreSnapshot)?
    let discard: @Sendable () -> Void

    init(
        stores: GatewayStores, snapshot: (@Sendable () throws -> any StoreSnapshot)? = nil,
        discard: @escaping @Sendable () -> Void
    ) {
        self.stores = stores
        self.snapshot = snapshot
        self.discard = discard
    }
}

/// One test's backend: fresh stores on a clock the test moves by hand, discarded when the test lets go of it.
final class StoreFixture: Sendable {
    let backend: ConformanceBackend
    let clock: TestClock
    let stores: GatewayStores
    /// A snapshot of every table, on a backend `ocgate store copy` reads (SQLite); nil on the others.
    let snapshot: (@Sendable () throws -> any StoreSnapshot)?
    private let discard: @Sendable () -> Void

    init(_ backend: ConformanceBackend, clock: TestClock = TestClock(), durability: Durability = .normal) throws {
        self.backend = backend
        self.clock = clock
        let opened = try backend.openStores(time: clock, durability: durability)
        stores = opened.stores
        snapshot = opened.snapshot
        discard = opened.discard
    }

    deinit {
        discard()
    }

    var sessions: any CheckoutSessionStore { stores.sessions }
    var charges: any ChargeStore { stores.charges }
    var proofs: any ProofStore { stores.proofs }
    var deliveries: any DeliveryStore { stores.deliveries }
    var settlement: any SettlementStore { stores.settlement }
    var partners: any PartnerStore { stores.partners }
    var nonces: any NonceStore { stores.nonces }
    var peerDocuments: any PeerDocumentStore { stores.peerDocuments }
    var jobs: any JobQueue { stores.jobs }
    var maintenance: any StoreMaintenance { stores.maintenance }
    var audit: any AuditStore { stores.audit }
    var activity: any ActivityStore { stores.activity }

    /// The clock's current instant.
    var now: Date { clock.now() }
}
