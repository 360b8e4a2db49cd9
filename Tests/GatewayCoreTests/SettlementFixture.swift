import Foundation
import GatewayAssembly
import GatewayConfig
import GatewayCore
import GatewayStore
import GatewayTestSupport
import Logging
import Opencharge

/// A spool, a gateway identity and a settlement run over them, with a clock the test moves.
struct SettlementFixture {
    let time = ManualTime()
    let runtime: GatewayRuntime
    let identity = GatewayIdentity(ocid: 200, name: "Test PG", key: .generate(), publicURL: "https://pg.example", currencies: ["USD"])
    var store: any SettlementStore { runtime.stores.settlement }
    let logs = RecordedLogs()

    init() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ocgate-settle-\(UUID().uuidString)").path
        var configuration = GatewayConfigurationFixture.make()
        configuration.spool = SpoolSection(dir: dir)
        configuration.store.durability = .normal
        runtime = try GatewayAssembly.runtime(configuration, time: time)
    }

    /// - Parameter folder: where statements are written; the spool's by default.
    func run(
        requireAccepted: Bool = true, notifyURL: @escaping @Sendable (UInt64) -> String? = { _ in nil },
        folder: String? = nil
    ) -> SettlementRun {
        SettlementRun(
            store: store, identity: identity,
            settings: SettlementSettings(requireAccepted: requireAccepted, notifyURL: notifyURL),
            folder: folder ?? runtime.spool.statements, time: time, logger: logs.logger)
    }

    func seed(_ entries: [SeededEntry]) async throws -> [String] {
        try await LedgerSeed.insert(entries, into: runtime.stores)
    }

    /// The settlement invariants, for the MGs the tests seed.
    func membershipProblems() async throws -> [String] {
        try await LedgerSeed.membershipProblems(in: runtime.stores, mgs: [300, 301, 302, 303])
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

    /// Everything settlement may touch, read through the contracts as text: the ledger with its statements, the
    /// statements with their members, and the jobs. Equal snapshots mean nothing was written.
    func snapshot() async throws -> String {
        let stores = runtime.stores
        var parts = ["\(try await stores.settlement.ledgerWithDeliveries(from: nil, to: nil))"]
        for statement in try await stores.settlement.statements() {
            parts.append("\(statement) \(try await stores.settlement.entries(statementID: statement.id))")
        }
        parts.append("\(try await stores.jobs.list(JobFilter()))")
        return parts.joined(separator: "\n--\n")
    }
}

/// An independent exact sum: Foundation's `Decimal` (38 significant digits), not the gateway's `DecimalAmount`.
func independentSum(_ amounts: [String]) -> Decimal {
    amounts.reduce(Decimal(0)) { $0 + Decimal(string: $1, locale: Locale(identifier: "en_US_POSIX"))! }
}
