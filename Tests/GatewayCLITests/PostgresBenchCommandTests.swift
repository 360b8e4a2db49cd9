import Foundation
import GatewayStorePostgres
import GatewayTestSupport
import Logging
import Opencharge
import Testing

/// `bench checkout`, `bench queue` and `bench flow` with `--store`: each runs on a database of its own on the test
/// server, says so with the server's headroom, and drops the database afterwards. Fails (never skips) without
/// `OCGATE_TEST_POSTGRES_URL`.
struct PostgresBenchCommandTests {
    static let config = OCGateProcess.packageRoot.appendingPathComponent("config/ocgate.toml").path

    @Test(arguments: [
        ["checkout", "--requests", "40", "--connections", "4"],
        ["queue", "--jobs", "200", "--batch", "50", "--workers", "2", "--singles", "10"],
        ["flow", "--sessions", "20", "--payers", "4", "--config", config],
    ])
    func benchRunsOnADatabaseOfItsOwnAndDropsIt(bench: [String]) throws {
        let server = try PostgresTestDatabase.serverURL()
        let result = try OCGateProcess.run(["bench"] + bench + ["--store", server, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONParser.parse(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(report["store"] == "postgres")
        let database = try #require(report["database"]?.stringValue)
        #expect(database.hasPrefix("ocgate_bench_"))
        let headroom = try #require(report["postgres"])
        #expect((headroom["commits_per_second"]?.numberValue?.int64Value ?? 0) > 0, "the load committed in its database")
        for key in ["postgres_cpu_percent", "ocgate_cpu_percent", "ocgate_cpu_ms_per_operation"] {
            #expect(Double(headroom[key]?.stringValue ?? "") != nil, "\(key) missing")
        }
        #expect(try Self.databases(named: database, on: server).isEmpty, "\(database) was dropped")
    }

    @Test func aStoreThatIsNotAPostgresURLIsRefused() throws {
        #expect(try OCGateProcess.run(["bench", "queue", "--store", "sqlite:///tmp/x.db"]).status == 2)
    }

    private static func databases(named name: String, on url: String) throws -> [String] {
        try PostgresAdmin.databases(
            prefix: name, olderThan: .zero, on: PostgresStoreConfiguration(url: url), logger: Logger(label: "test")
        ).filter { $0 == name }
    }
}
