import ArgumentParser
import Foundation
import GatewayAssembly
import GatewayConfig
import GatewayCore
import Opencharge

/// `--store`: which database a bench runs on.
struct BenchStoreOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Run on PostgreSQL: a postgres:// URL of a server the bench may create databases on (default: SQLite).",
            discussion: """
                The bench creates a database of its own there (ocgate_bench_ and random digits), migrates it, runs on \
                it with store.backend = postgres and drops it afterwards, also when the run fails or is interrupted.
                """))
    var store: String?

    func validate() throws {
        guard let store else { return }
        guard store.hasPrefix("postgres://") || store.hasPrefix("postgresql://") else {
            throw ValidationError("--store takes a postgres:// URL")
        }
    }
}

/// The storage of one bench run: SQLite in the bench's scratch spool as the configuration has it, or a fresh
/// PostgreSQL database on the `--store` server, set into the configuration the same way an operator's file would.
struct BenchStore {
    /// nil on SQLite.
    let database: BenchDatabase?
    /// Dropping the database on SIGINT and SIGTERM (PostgreSQL only).
    private let interruptions: [any DispatchSourceSignal]

    /// Creates and migrates the PostgreSQL database when `options` names a server. Call `drop` when done.
    init(_ options: BenchStoreOptions) throws {
        if let server = options.store {
            do { database = try BenchDatabase.create(on: server) } catch { throw CommandFailure(error.description) }
        } else {
            database = nil
        }
        interruptions = database.map(Self.dropOnInterrupt) ?? []
    }

    /// `sqlite` or `postgres`, as `--json` reports it.
    var backend: String { database == nil ? "sqlite" : "postgres" }

    /// The configuration with this run's storage: `store.backend` and `store.postgres_url` on PostgreSQL.
    func configure(_ configuration: GatewayConfiguration) -> GatewayConfiguration {
        guard let database else { return configuration }
        var configured = configuration
        configured.store.backend = .postgres
        configured.store.postgresURL = database.url
        return configured
    }

    /// Drops the PostgreSQL database (nothing on SQLite, whose files go with the scratch folder).
    func drop() {
        interruptions.forEach { $0.cancel() }
        database?.drop()
    }

    /// A bench's JSON report with its storage added: `store` (the backend), and on PostgreSQL `database` (the one it
    /// created) and `postgres` (the server's headroom, when measured).
    func annotate(_ report: JSONValue, headroom: PostgresHeadroom? = nil) -> JSONValue {
        guard case .object(var members) = report else { return report }
        members["store"] = .string(backend)
        members["database"] = database.map { .string($0.name) }
        members["postgres"] = headroom?.json
        return .object(members)
    }

    /// Runs `load` and, on PostgreSQL, measures what it cost the server (`PostgresHeadroom`); `operations` counts
    /// what the load did (checkouts, jobs, proofs) for the per-operation CPU.
    func measure<T>(
        operations: Int, _ load: () async throws -> T
    ) async throws -> (result: T, headroom: PostgresHeadroom?) {
        guard let database else { return (try await load(), nil) }
        let before = try PostgresHeadroom.Sample.now(database)
        let result = try await load()
        return (result, try await PostgresHeadroom(from: before, database: database, operations: operations))
    }

    private static func dropOnInterrupt(_ database: BenchDatabase) -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                database.drop()
                exit(128 + number)
            }
            source.resume()
            return source
        }
    }
}
