import Foundation
import GatewayStore
// Re-exported to every file of the suite: they name `ConformanceBackend` and `PostgresTestDatabase`, which live in
// GatewayTestSupport now (shared with the HTTP and CLI tests), and their members are visible only where it is imported.
@_exported import GatewayTestSupport

/// Every storage backend the conformance suite runs on (`TestBackend`, shared with the other test targets). Each
/// test takes one as its argument, so a backend added there runs the whole suite.
///
/// Each suite runs its tests one at a time (`.serialized`; the suites still run beside each other and beside the
/// other targets): run all at once, its ~280 cases held ~2,500 database files open in the one test process, and
/// Foundation's `Process.run` crashed copying the descriptors of another suite's subprocess (seen under load).
typealias ConformanceBackend = TestBackend

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
