import Foundation
import GatewayStore
import GatewayTestSupport
import Opencharge

/// A temporary spool that tests seed through the queue API and inspect with the `ocgate` binary: on the spool's
/// SQLite file, or with `init(_:)` on a PostgreSQL database of its own (`OCGATE_STORE_BACKEND=postgres`).
struct SpoolFixture {
    let directory: URL
    let spool: String
    /// The spool's stores, opened in this process as another process on the spool would.
    let stores: GatewayStores
    var queue: any JobQueue { stores.jobs }
    var config: String { OCGateProcess.packageRoot.appendingPathComponent("config/ocgate.toml").path }
    /// The PostgreSQL database the spool's processes use instead of its SQLite file, if any.
    let database: PostgresSpoolDatabase?

    init() throws {
        (directory, spool) = try Self.makeSpool()
        stores = try TestStores.sqlite(path: spool + "/ocgate.db")
        database = nil
    }

    /// A spool whose store is on `backend`: on PostgreSQL, a fresh database, ready before this returns.
    init(_ backend: TestBackend) async throws {
        guard let database = try await PostgresSpoolDatabase.make(for: backend) else {
            self = try SpoolFixture()
            return
        }
        (directory, spool) = try Self.makeSpool()
        stores = database.stores
        self.database = database
    }

    /// A fresh directory holding an empty spool and a gateway key.
    private static func makeSpool() throws -> (directory: URL, spool: String) {
        let directory = try OCGateProcess.temporaryDirectory()
        let spool = directory.appendingPathComponent("spool").path
        try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: true)
        try KeyFile.write(PrivateKey.generate(), to: directory.appendingPathComponent("gateway.key").path, replacing: false)
        return (directory, spool)
    }

    /// The gateway key of this spool's configuration (workers need it to judge inbox files).
    var keyFile: String { directory.appendingPathComponent("gateway.key").path }

    var environment: [String: String] {
        ["OCGATE_SPOOL_DIR": spool, "OCGATE_GATEWAY_KEY_FILE": keyFile].merging(database?.environment ?? [:]) { $1 }
    }

    /// Runs `ocgate` against this spool with the shipped configuration.
    func ocgate(_ arguments: [String]) throws -> OCGateProcess.Result {
        try OCGateProcess.run(arguments + ["--config", config], environment: environment)
    }

    /// Runs `ocgate … --json` and parses its output.
    func json(_ arguments: [String]) throws -> JSONValue {
        let result = try ocgate(arguments + ["--json"])
        guard result.status == 0 else { throw CommandError(result: result) }
        return try JSONParser.parse(result.stdout)
    }

    struct CommandError: Error { let result: OCGateProcess.Result }

    @discardableResult
    func enqueue(_ kind: String, payload: String = #"{"n":1}"#, mg: UInt64? = nil) async throws -> Int64 {
        try await queue.enqueue(NewJob(kind: kind, payload: Data(payload.utf8), mgOCID: mg)).id
    }

    /// Enqueues a job and runs one attempt of it to `transition`.
    func finished(_ kind: String, _ transition: JobTransition, mg: UInt64? = nil) async throws -> Int64 {
        let id = try await enqueue(kind, mg: mg)
        let claimed = try await queue.claim(kinds: [kind], limit: 10, worker: "fixture", lease: .seconds(30))
        for job in claimed { _ = try await queue.finish(job, transition) }
        return id
    }
}
