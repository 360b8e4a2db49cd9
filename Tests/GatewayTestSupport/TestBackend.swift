import Foundation
import GatewayStore
import GatewayStoreSQLite

/// Every storage backend a test can run on. A test that takes one as its argument
/// (`@Test(arguments: TestBackend.allCases)`) runs once per backend, so a backend added here runs it too.
///
/// The PostgreSQL cases need the server `OCGATE_TEST_POSTGRES_URL` names (`scripts/postgres-test-cluster`), and
/// fail, never skip, without it (`PostgresTestDatabase.Unavailable` says how to get one).
public enum TestBackend: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    /// A fresh database per test on the server `OCGATE_TEST_POSTGRES_URL` names.
    case postgres

    public var description: String { rawValue }

    /// A fresh, empty set of stores on this backend, reading time from `time`, and how to discard them. `.normal`
    /// durability by default: no test that takes a backend tests durability, and syncing every commit would only
    /// slow the suites down.
    public func openStores(time: any TimeSource, durability: Durability = .normal) throws -> OpenedStores {
        switch self {
        case .sqlite:
            // One directory per database, so discarding it takes the WAL and shared-memory files along.
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("ocgate-test-\(UUID().uuidString)", isDirectory: true)
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

    /// Runs `body` on fresh stores on this backend and discards them when it returns or throws.
    public func withStores<T>(
        time: any TimeSource = SystemTime(), durability: Durability = .normal,
        _ body: (GatewayStores) async throws -> T
    ) async throws -> T {
        let opened = try openStores(time: time, durability: durability)
        defer { opened.discard() }
        return try await body(opened.stores)
    }
}

/// A backend's stores for one test, and what discards them.
public struct OpenedStores: Sendable {
    public let stores: GatewayStores
    /// A snapshot of every table, where the backend is one `ocgate store copy` reads (SQLite).
    public let snapshot: (@Sendable () throws -> any StoreSnapshot)?
    public let discard: @Sendable () -> Void

    public init(
        stores: GatewayStores, snapshot: (@Sendable () throws -> any StoreSnapshot)? = nil,
        discard: @escaping @Sendable () -> Void
    ) {
        self.stores = stores
        self.snapshot = snapshot
        self.discard = discard
    }
}

/// Stores on one backend that live as long as their holder: discarded (the SQLite files removed, the PostgreSQL
/// database dropped) when the last reference goes, so a fixture that keeps one needs no teardown of its own.
public final class ScratchStores: Sendable {
    public let backend: TestBackend
    public let stores: GatewayStores
    private let discard: @Sendable () -> Void

    public init(_ backend: TestBackend, time: any TimeSource = SystemTime(), durability: Durability = .normal) throws {
        self.backend = backend
        let opened = try backend.openStores(time: time, durability: durability)
        stores = opened.stores
        discard = opened.discard
    }

    /// Stores already open, discarded by `discard` when this goes.
    public init(_ backend: TestBackend, opened: OpenedStores) {
        self.backend = backend
        stores = opened.stores
        discard = opened.discard
    }

    deinit {
        discard()
    }
}
