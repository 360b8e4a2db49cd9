import Foundation
import GatewayCore
import GatewayServer
import GatewayStore
import GatewayTestSupport
import Hummingbird
import HummingbirdTesting
import Logging
import Opencharge
import Testing

/// Settlement totals as a scraper sees them on `GET /metrics`.
struct SettlementGaugesTests {
    @Test(arguments: TestBackend.allCases)
    func settledAndOwedAmountsPerMGAndCurrency(backend: TestBackend) async throws {
        let time = ManualTime()
        try await backend.withStores(time: time) { try await settledAndOwed($0, time: time) }
    }

    private func settledAndOwed(_ stores: GatewayStores, time: ManualTime) async throws {
        let identity = GatewayIdentity(ocid: 200, name: "PG", key: .generate(), publicURL: "https://pg.example", currencies: ["USD"])
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ocgate-gauges-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let cutOff = SettlementRun.startOfDay(time.now())
        try await LedgerSeed.insert(
            [
                SeededEntry(mgOCID: 300, currency: "USD", amount: "1.25", createdAt: cutOff.addingTimeInterval(-9)),
                SeededEntry(mgOCID: 300, currency: "USD", amount: "2.25", createdAt: cutOff.addingTimeInterval(-9)),
                SeededEntry(mgOCID: 300, currency: "USD", amount: "7", createdAt: cutOff.addingTimeInterval(1)),
                SeededEntry(mgOCID: 301, currency: "EUR", amount: "4.50", createdAt: cutOff.addingTimeInterval(-9), deliveryState: .pending),
            ], into: stores)
        let settled = try await SettlementRun(
            store: stores.settlement, identity: identity,
            settings: SettlementSettings(requireAccepted: true), folder: directory.path, time: time,
            logger: Logger(label: "test")
        ).run(until: cutOff, mgOCID: nil)
        #expect(settled.created.count == 1)

        let server = GatewayServer(
            settings: ServerSettings(host: "127.0.0.1", port: 0, bodyLimit: 4096), identity: identity, stores: stores,
            acceptor: nil, time: time, logger: Logger(label: "test"))
        try await server.makeApplication().test(.live) { client in
            let scrape = try await Scrape(client)
            #expect(scrape[#"ocgate_statements{mg="300",currency="USD"}"#] == 1)
            #expect(scrape[#"ocgate_settled_amount{mg="300",currency="USD"}"#] == 3.5)
            #expect(scrape[#"ocgate_unsettled_entries{mg="300",currency="USD"}"#] == 1)
            #expect(scrape[#"ocgate_unsettled_amount{mg="300",currency="USD"}"#] == 7)
            #expect(scrape[#"ocgate_statements{mg="301",currency="EUR"}"#] == 0)
            #expect(scrape[#"ocgate_unsettled_amount{mg="301",currency="EUR"}"#] == 4.5)
        }
    }
}
