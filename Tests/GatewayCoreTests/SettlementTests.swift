import Foundation
import GatewayAssembly
import GatewayCore
import GatewayStore
import GatewayTestSupport
import Opencharge
import Testing

@Suite("Settlement runs")
struct SettlementTests {
    /// 3 MGs × 3 currencies, amounts with 0 to 8 decimals; some after the cut-off, some not accepted yet, a few dead.
    private static func corpus(cutOff: Date, count: Int) -> [SeededEntry] {
        var generator = SystemRandomNumberGenerator()
        let mgs: [UInt64] = [300, 301, 302]
        let currencies = ["USD", "EUR", "USDC"]
        return (0..<count).map { index in
            let decimals = Int.random(in: 0...8, using: &generator)
            let whole = Int.random(in: 0...99_999, using: &generator)
            let fraction = (0..<decimals).map { _ in String(Int.random(in: 0...9, using: &generator)) }.joined()
            let state: DeliveryState = index % 17 == 0 ? .pending : (index % 101 == 0 ? .dead : .accepted)
            return SeededEntry(
                mgOCID: mgs[index % 3], currency: currencies[(index / 3) % 3],
                amount: decimals == 0 ? "\(whole)" : "\(whole).\(fraction)",
                createdAt: cutOff.addingTimeInterval(Double(Int.random(in: -86_000...3_600, using: &generator))),
                deliveryState: state)
        }
    }

    @Test("thousands of entries across MGs and currencies net to the independent sum, signed and in files")
    func settlesCorpus() async throws {
        let fixture = try SettlementFixture()
        let cutOff = SettlementRun.startOfDay(fixture.time.now())
        let entries = Self.corpus(cutOff: cutOff, count: 3_000)
        _ = try await fixture.seed(entries)

        let result = try await fixture.run().run(until: cutOff, mgOCID: nil)

        var expected: [String: [String]] = [:]
        for entry in entries where entry.createdAt < cutOff && entry.deliveryState == .accepted {
            expected["\(entry.mgOCID) \(entry.currency)", default: []].append(entry.amount)
        }
        #expect(result.created.count == 9)
        #expect(Set(result.created.map { "\($0.mgOCID) \($0.currency)" }) == Set(expected.keys))
        let key = try fixture.publishedKey
        for statement in result.created {
            let amounts = expected["\(statement.mgOCID) \(statement.currency)"] ?? []
            #expect(statement.entryCount == amounts.count)
            #expect(Decimal(string: statement.total) == independentSum(amounts), "\(statement.id)")
            // The JSON file is what the MG gets: it verifies with the published key and carries the same total.
            let document = try fixture.file(statement.id + ".json")
            #expect(StatementDocument.verifies(document, keys: [key]))
            #expect(try JSONParser.parse(document)["statement"]?["total"]?.stringValue == statement.total)
            let csv = String(decoding: try fixture.file(statement.id + ".csv"), as: UTF8.self)
            let rows = csv.split(separator: "\n").dropFirst()
            #expect(rows.count == amounts.count)
            #expect(independentSum(rows.map { String($0.split(separator: ",").last!) }) == independentSum(amounts))
        }
        // Pending deliveries wait; dead ones need an operator, so the run is not complete.
        let pendingBefore = entries.filter { $0.createdAt < cutOff && $0.deliveryState == .pending }.count
        let deadBefore = entries.filter { $0.createdAt < cutOff && $0.deliveryState == .dead }.count
        #expect(result.heldBack.filter { $0.deliveryState == .pending }.map(\.count).reduce(0, +) == pendingBefore)
        #expect(result.heldBack.filter { $0.deliveryState == .dead }.map(\.count).reduce(0, +) == deadBefore)
        #expect(result.isComplete == (deadBefore == 0))
        #expect(try await fixture.membershipProblems().isEmpty)
    }

    @Test("a re-run for the same cut-off writes no second statement; later acceptances go to the next period")
    func idempotentRerun() async throws {
        let fixture = try SettlementFixture()
        let cutOff = SettlementRun.startOfDay(fixture.time.now())
        let accepted = try await fixture.seed([
            SeededEntry(mgOCID: 300, currency: "USD", amount: "10.00", createdAt: cutOff.addingTimeInterval(-60)),
            SeededEntry(mgOCID: 300, currency: "USD", amount: "5.25", createdAt: cutOff.addingTimeInterval(-30)),
        ])
        let late = try await fixture.seed([
            SeededEntry(
                mgOCID: 300, currency: "USD", amount: "1.00", createdAt: cutOff.addingTimeInterval(-10), deliveryState: .pending)
        ])
        let first = try await fixture.run().run(until: cutOff, mgOCID: nil)
        #expect(first.created.map(\.total) == ["15.25"])
        #expect(first.isComplete)

        // The MG accepts the late proof after the first run; the same cut-off again makes nothing new.
        try await LedgerSeed.setDeliveryState(.accepted, txids: late, in: fixture.runtime.stores)
        let dry = try await fixture.run().plan(until: cutOff, mgOCID: nil)
        #expect(dry.planned.isEmpty, "the dry run must not promise a second statement for this cut-off")
        #expect(dry.deferred.map(\.total) == ["1.00"])
        let second = try await fixture.run().run(until: cutOff, mgOCID: nil)
        #expect(second.created.isEmpty)
        #expect(second.existing.map(\.id) == first.created.map(\.id))
        #expect(second.deferred.map(\.count) == [1])
        #expect(try await fixture.store.statements().count == 1)

        // The next day's run takes it, in a period that starts where the first ended.
        fixture.time.advance(by: .seconds(86_400))
        let next = try await fixture.run().run(until: cutOff.addingTimeInterval(86_400), mgOCID: nil)
        #expect(next.created.map(\.total) == ["1.00"])
        #expect(next.created.first?.periodStart == cutOff)
        #expect(try await fixture.store.entries(statementID: first.created[0].id).map(\.txid).sorted() == accepted.sorted())
        #expect(try await fixture.membershipProblems().isEmpty)
    }

    @Test("runs racing on one spool settle every entry exactly once")
    func racingRuns() async throws {
        let fixture = try SettlementFixture()
        let cutOff = SettlementRun.startOfDay(fixture.time.now())
        let entries = Self.corpus(cutOff: cutOff, count: 600).map { entry in
            var accepted = entry
            accepted.deliveryState = .accepted
            return accepted
        }
        _ = try await fixture.seed(entries)
        // Separate database connections, as separate processes would have (the CLI test races real processes).
        let other = try GatewayAssembly.runtime(fixture.runtime.configuration, time: fixture.time)
        let otherRun = SettlementRun(
            store: other.stores.settlement, identity: fixture.identity, settings: SettlementSettings(requireAccepted: true),
            folder: fixture.runtime.spool.statements, time: fixture.time, logger: fixture.logs.logger)

        async let a = fixture.run().run(until: cutOff, mgOCID: nil)
        async let b = otherRun.run(until: cutOff, mgOCID: nil)
        let (first, second) = try await (a, b)

        #expect(first.created.count + second.created.count == 9)
        #expect(Set(first.created.map(\.id)).isDisjoint(with: second.created.map(\.id)))
        let statements = try await fixture.store.statements()
        #expect(statements.count == 9)
        #expect(statements.map(\.entryCount).reduce(0, +) == entries.filter { $0.createdAt < cutOff }.count)
        #expect(try await fixture.membershipProblems().isEmpty)
    }

    @Test("money is exact: 0.10 + 0.20 is 0.30, many decimals, and totals past 2^53 minor units")
    func exactAmounts() async throws {
        let fixture = try SettlementFixture()
        let cutOff = SettlementRun.startOfDay(fixture.time.now())
        let at = cutOff.addingTimeInterval(-1)
        _ = try await fixture.seed([
            SeededEntry(mgOCID: 300, currency: "USD", amount: "0.10", createdAt: at),
            SeededEntry(mgOCID: 300, currency: "USD", amount: "0.20", createdAt: at),
            SeededEntry(mgOCID: 300, currency: "ETH", amount: "0.000000000000000001", createdAt: at),
            SeededEntry(mgOCID: 300, currency: "ETH", amount: "0.000000000000000002", createdAt: at),
            // 2^53 + 1 cents, three times: a double cannot even hold one of them.
            SeededEntry(mgOCID: 300, currency: "EUR", amount: "90071992547409.93", createdAt: at),
            SeededEntry(mgOCID: 300, currency: "EUR", amount: "90071992547409.93", createdAt: at),
            SeededEntry(mgOCID: 300, currency: "EUR", amount: "90071992547409.93", createdAt: at),
        ])
        let result = try await fixture.run().run(until: cutOff, mgOCID: nil)
        let totals = Dictionary(uniqueKeysWithValues: result.created.map { ($0.currency, $0.total) })
        #expect(totals["USD"] == "0.30")
        #expect(totals["ETH"] == "0.000000000000000003")
        #expect(totals["EUR"] == "270215977642229.79")
    }

    @Test("a dry run reports the statements a run would write and writes nothing")
    func dryRun() async throws {
        let fixture = try SettlementFixture()
        let cutOff = SettlementRun.startOfDay(fixture.time.now())
        _ = try await fixture.seed(Self.corpus(cutOff: cutOff, count: 300))
        let before = try await fixture.snapshot()

        let plan = try await fixture.run().plan(until: cutOff, mgOCID: 301)

        #expect(try await fixture.snapshot() == before)
        #expect(try fixture.statementFiles().isEmpty)
        #expect(plan.planned.allSatisfy { $0.mgOCID == 301 })
        let result = try await fixture.run().run(until: cutOff, mgOCID: 301)
        #expect(result.created.map(\.total) == plan.planned.map(\.total))
        #expect(result.created.map(\.id) == plan.planned.map(\.id))
    }

    @Test("a tampered statement no longer verifies; one signed by another key does not verify")
    func signatureIsChecked() async throws {
        let fixture = try SettlementFixture()
        let cutOff = SettlementRun.startOfDay(fixture.time.now())
        _ = try await fixture.seed([SeededEntry(mgOCID: 300, currency: "USD", amount: "12.34", createdAt: cutOff.addingTimeInterval(-5))])
        let statement = try #require(try await fixture.run().run(until: cutOff, mgOCID: nil).created.first)
        let document = try fixture.file(statement.id + ".json")
        #expect(StatementDocument.verifies(document, keys: [try fixture.publishedKey]))
        let tampered = String(decoding: document, as: UTF8.self).replacingOccurrences(of: "12.34", with: "92.34")
        #expect(!StatementDocument.verifies(Array(tampered.utf8), keys: [try fixture.publishedKey]))
        #expect(!StatementDocument.verifies(document, keys: [PrivateKey.generate().publicKey]))
    }

    @Test("a cut-off in the future is refused")
    func futureCutOff() async throws {
        let fixture = try SettlementFixture()
        let future = fixture.time.now().addingTimeInterval(60)
        await #expect(throws: SettlementError.futureCutOff(future)) {
            try await fixture.run().run(until: future, mgOCID: nil)
        }
    }

    @Test("statement files a crashed run did not write are written by the next run")
    func missingFilesRepaired() async throws {
        let fixture = try SettlementFixture()
        let cutOff = SettlementRun.startOfDay(fixture.time.now())
        _ = try await fixture.seed([SeededEntry(mgOCID: 300, currency: "USD", amount: "7.00", createdAt: cutOff.addingTimeInterval(-5))])
        // As if the process died after the commit: its files could not be written, so none is marked written.
        let unwritable = "/dev/null/statements"
        let statement = try #require(try await fixture.run(folder: unwritable).run(until: cutOff, mgOCID: nil).created.first)
        #expect(try fixture.statementFiles().isEmpty)
        #expect(try await fixture.store.statementsMissingFiles().map(\.id) == [statement.id])

        let rerun = try await fixture.run().run(until: cutOff, mgOCID: nil)

        #expect(rerun.repaired == [statement.id])
        #expect(try fixture.statementFiles() == [statement.id + ".csv", statement.id + ".json"])
        #expect(try fixture.file(statement.id + ".json") == statement.signedBody)
        #expect(try await fixture.store.statementsMissingFiles().isEmpty)
    }
}
