import Foundation
import GatewayConfig
import GatewayCore
import GatewayStore
import GatewayTestSupport
import GRDB
import Logging
import Opencharge

/// A spool, a gateway identity and a settlement run over them, with a clock the test moves.
struct SettlementFixture {
    let time = ManualTime()
    let runtime: GatewayRuntime
    let identity = GatewayIdentity(ocid: 200, name: "Test PG", key: .generate(), publicURL: "https://pg.example", currencies: ["USD"])
    let store: SettlementStore
    let logs = RecordedLogs()

    init() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ocgate-settle-\(UUID().uuidString)").path
        var configuration = GatewayConfigurationFixture.make()
        configuration.spool = SpoolSection(dir: dir)
        configuration.store.durability = .normal
        runtime = try GatewayRuntime(configuration: configuration, time: time)
        store = SettlementStore(database: runtime.database, queue: runtime.queue)
    }

    func run(requireAccepted: Bool = true, notifyURL: @escaping @Sendable (UInt64) -> String? = { _ in nil })
        -> SettlementRun
    {
        SettlementRun(
            store: store, identity: identity,
            settings: SettlementSettings(requireAccepted: requireAccepted, notifyURL: notifyURL),
            folder: runtime.spool.statements, time: time, logger: logs.logger)
    }

    func seed(_ entries: [SeededEntry]) async throws -> [String] {
        try await LedgerSeed.insert(entries, into: runtime.database)
    }

    /// The key the gateway publishes in its metadata, as an MG would read it.
    var publishedKey: PublicKey {
        get throws {
            let hex = MetadataDocument(identity: identity).json(at: time.now())["config"]?["publicKey"]?.stringValue ?? ""
            return try PublicKey(hex: hex)
        }
    }

    func file(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: runtime.spool.statements + "/" + name)))
    }

    func statementFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: runtime.spool.statements).sorted()
    }

    /// Every row of the tables settlement may touch, as text: equal snapshots mean nothing was written.
    func snapshot() async throws -> String {
        try await runtime.database.read { db in
            try ["ledger_entries", "settlement_statements", "statement_entries", "jobs"].map { table in
                try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY 1").map(\.description).joined(separator: "\n")
            }.joined(separator: "\n--\n")
        }
    }
}

/// An independent exact sum: Foundation's `Decimal` (38 significant digits), not the gateway's `DecimalAmount`.
func independentSum(_ amounts: [String]) -> Decimal {
    amounts.reduce(Decimal(0)) { $0 + Decimal(string: $1, locale: Locale(identifier: "en_US_POSIX"))! }
}
