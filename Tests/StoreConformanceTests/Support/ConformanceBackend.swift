import Foundation
import GatewayStore
import GatewayStorePostgres
import GatewayStoreSQLite
import Logging
import ServiceLifecycle

/// Every storage backend the conformance suite runs on. Each test takes one as its argument, so a backend added
/// here runs the whole suite.
enum ConformanceBackend: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    /// A fresh database per test on the server `OCGATE_TEST_POSTGRES_URL` names (`scripts/postgres-test-cluster`).
    case postgres

    var description: String { rawValue }

    /// A fresh, empty set of stores on this backend, reading time from `time`, and how to discard them. `.normal`
    /// durability by default: nothing here tests durability, and syncing every commit would only slow the suite down.
    func openStores(time: any TimeSource, durability: Durability = .normal) async throws -> OpenedStores {
        switch self {
        case .sqlite:
            // One directory per database, so discarding it takes the WAL and shared-memory files along.
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("ocgate-conformance-\(UUID().uuidString)", isDirectory: true)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let path = directory.appendingPathComponent("gateway.db").path
            let stores = try SQLiteBackend.open(path: path, durability: durability, busyTimeout: .seconds(10), time: time).stores
            return OpenedStores(stores: stores) { try? FileManager.default.removeItem(at: directory) }
        case .postgres:
            return try await PostgresTestDatabase.open(time: time)
        }
    }
}

/// A backend's stores for one test, and what discards them.
struct OpenedStores: Sendable {
    let stores: GatewayStores
    let discard: @Sendable () -> Void
}

/// The PostgreSQL side of the fixture: a database of its own per test, created through an admin connection, the
/// pool running in a task, and both gone when the test lets go.
enum PostgresTestDatabase {
    static let variable = "OCGATE_TEST_POSTGRES_URL"

    /// No server configured: the postgres cases fail, loudly, with how to get one.
    struct Unavailable: Error, CustomStringConvertible {
        var description: String {
            """
            \(PostgresTestDatabase.variable) is not set, so the PostgreSQL conformance cases cannot run (they fail \
            rather than skip). Start a local test server and export its URL with
                eval "$(scripts/postgres-test-cluster --export)"
            (scripts/test and .ci/run do this themselves), then run the tests again.
            """
        }
    }

    /// Opens on a dispatch thread: creating and migrating a database blocks its thread for a while, and the
    /// cooperative threads are few and shared with every other test running at once.
    /// A few at a time: a burst of every test creating and migrating its database at once loads the machine enough
    /// to time out the other suites' timing-sensitive tests.
    static func open(time: any TimeSource) async throws -> OpenedStores {
        await openings.acquire()
        defer { Task { await openings.release() } }
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try openBlocking(time: time) }) }
        }
    }

    private static let openings = Openings(limit: 4)

    /// A counting semaphore that suspends instead of blocking a thread.
    private actor Openings {
        private var available: Int
        private var waiters: [CheckedContinuation<Void, Never>] = []

        init(limit: Int) { available = limit }

        func acquire() async {
            guard available == 0 else {
                available -= 1
                return
            }
            await withCheckedContinuation { waiters.append($0) }
        }

        func release() {
            if waiters.isEmpty { available += 1 } else { waiters.removeFirst().resume() }
        }
    }

    /// Drops test databases an earlier run left behind (it ended before its last drops ran), once per process. Only
    /// those over an hour old: another worktree's run may share the server.
    private static func sweepOnce(_ server: PostgresStoreConfiguration, logger: Logger) {
        sweep.once {
            let stale = (try? PostgresAdmin.databases(prefix: "ocgate_test_", olderThan: .seconds(3600), on: server, logger: logger)) ?? []
            for name in stale { try? PostgresAdmin.dropDatabase(name, on: server, logger: logger) }
        }
    }

    private static let sweep = Once()

    /// Runs a body the first time only. `@unchecked Sendable`: `done` is only touched under `lock`.
    private final class Once: @unchecked Sendable {
        private let lock = NSLock()
        private var done = false

        func once(_ body: () -> Void) {
            lock.withLock {
                guard !done else { return }
                done = true
                body()
            }
        }
    }

    private static func openBlocking(time: any TimeSource) throws -> OpenedStores {
        guard let url = ProcessInfo.processInfo.environment[variable], !url.isEmpty else { throw Unavailable() }
        // The pool reports connections it gives up as a test ends (the database is dropped under it): not news.
        let logger = { var logger = Logger(label: "ocgate.conformance.postgres"); logger.logLevel = .error; return logger }()
        // Two connections per test: enough for the races to meet in the database; the suite runs its tests at once
        // against one server and in one process with every other suite.
        let server = try PostgresStoreConfiguration(url: url, poolSize: 2)
        sweepOnce(server, logger: logger)
        let name = "ocgate_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())"
        try PostgresAdmin.createDatabase(name, on: server, logger: logger)
        let backend: PostgresBackend
        do {
            backend = try PostgresBackend.open(server.with(database: name), time: time, logger: logger)
        } catch {
            try? PostgresAdmin.dropDatabase(name, on: server, logger: logger)
            throw error
        }
        let services = backend.services
        let pool = Task {
            try await withThrowingDiscardingTaskGroup { group in
                for service in services { group.addTask { try await service.run() } }
            }
        }
        return OpenedStores(stores: backend.stores) {
            pool.cancel()
            // On a dispatch thread, not the test's: FORCE ends the connections the cancelled pool has not closed yet.
            // A drop the process exits before is left to `scripts/postgres-test-cluster --stop`.
            DispatchQueue.global().async { try? PostgresAdmin.dropDatabase(name, on: server, logger: logger) }
        }
    }
}

/// One test's backend: fresh stores on a clock the test moves by hand, discarded when the test lets go of it.
final class StoreFixture: Sendable {
    let backend: ConformanceBackend
    let clock: TestClock
    let stores: GatewayStores
    private let discard: @Sendable () -> Void

    init(_ backend: ConformanceBackend, clock: TestClock = TestClock(), durability: Durability = .normal) async throws {
        self.backend = backend
        self.clock = clock
        let opened = try await backend.openStores(time: clock, durability: durability)
        stores = opened.stores
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

    /// The clock's current instant.
    var now: Date { clock.now() }
}
