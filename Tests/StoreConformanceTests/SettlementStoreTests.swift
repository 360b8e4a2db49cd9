import Foundation
import GatewayStore
import Testing

/// `SettlementStore`: grouping the MG ledger, settling it into statements once, and the statements' bookkeeping.
@Suite("SettlementStore", .serialized)
struct SettlementStoreTests {
    /// The ledger entry a proof made, unsettled.
    private func entry(_ proof: StoredProof, statementID: String? = nil) -> LedgerEntry {
        LedgerEntry(
            txid: proof.txid, mgOCID: proof.mgOCID, currency: proof.currency, amount: proof.amount,
            createdAt: proof.issuedAt, statementID: statementID)
    }

    private func group(_ groups: [SettlementGroup], _ mg: UInt64, _ currency: String) -> SettlementGroup? {
        groups.first { $0.mgOCID == mg && $0.currency == currency }
    }

    @Test(arguments: ConformanceBackend.allCases)
    func groupsHoldBackWhatTheMGHasNotAcceptedWhenAcceptanceIsRequired(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let accepted = try await fixture.provenSession()
        fixture.clock.advance(by: .seconds(1))
        let pending = try await fixture.provenSession()
        fixture.clock.advance(by: .seconds(1))
        let rejected = try await fixture.provenSession()
        fixture.clock.advance(by: .seconds(1))
        let dollars = try await fixture.provenSession(currency: "USD")
        fixture.clock.advance(by: .seconds(1))
        let dead = try await fixture.provenSession(mg: Seed.otherMG)
        fixture.clock.advance(by: .seconds(1))
        for (proof, state) in [(accepted, DeliveryState.accepted), (rejected, .rejected), (dollars, .accepted), (dead, .dead)] {
            try await fixture.deliveries.recordDelivery(of: proof, state: state, at: fixture.now)
        }

        let groups = try await fixture.settlement.groups(SettlementScope(cutOff: fixture.now, requireAccepted: true))

        let euros = try #require(group(groups, Seed.mg, "EUR"))
        #expect(euros.entries == [entry(accepted)])
        #expect(euros.heldBack == [.pending: [entry(pending)], .rejected: [entry(rejected)]])
        #expect(euros.periodStart == nil)
        #expect(group(groups, Seed.mg, "USD")?.entries == [entry(dollars)])
        #expect(group(groups, Seed.otherMG, "EUR")?.entries ?? [] == [])
        if let other = group(groups, Seed.otherMG, "EUR") { #expect(other.heldBack == [.dead: [entry(dead)]]) }
        // Nothing was written.
        #expect(try await fixture.settlement.statements() == [])
        #expect(try await fixture.proofs.ledgerEntry(txid: accepted.txid)?.statementID == nil)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func groupsTakeEveryIssuedProofWhenAcceptanceIsNotRequired(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        var proofs: [StoredProof] = []
        for state in DeliveryState.allCases {
            let proof = try await fixture.provenSession()
            try await fixture.deliveries.recordDelivery(of: proof, state: state, at: fixture.now)
            proofs.append(proof)
            fixture.clock.advance(by: .seconds(1))
        }

        let groups = try await fixture.settlement.groups(SettlementScope(cutOff: fixture.now, requireAccepted: false))

        #expect(groups.count == 1)
        #expect(groups.first?.entries == proofs.map { entry($0) })
        #expect(groups.first?.heldBack.values.allSatisfy(\.isEmpty) ?? false)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func groupsTakeOnlyEntriesStrictlyBeforeTheCutOffAndOfTheScopesMG(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let first = try await fixture.provenSession()
        fixture.clock.advance(by: .seconds(1))
        let cutOff = fixture.now
        _ = try await fixture.provenSession()
        let other = try await fixture.provenSession(mg: Seed.otherMG)
        fixture.clock.advance(by: .seconds(1))

        let before = try await fixture.settlement.groups(SettlementScope(cutOff: cutOff, requireAccepted: false))
        let onlyOther = try await fixture.settlement.groups(
            SettlementScope(cutOff: fixture.now, mgOCID: Seed.otherMG, requireAccepted: false))

        #expect(before.flatMap(\.entries) == [entry(first)], "an entry made at the cut-off waits for the next run")
        #expect(onlyOther.map(\.mgOCID) == [Seed.otherMG])
        #expect(onlyOther.flatMap(\.entries) == [entry(other)])
    }

    @Test(arguments: ConformanceBackend.allCases)
    func settleStoresOneStatementWithTheGroupsEntriesAndItsNotifyJob(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        var euros: [StoredProof] = []
        for amount in ["10.00", "2.50", "0.05"] {
            euros.append(try await fixture.provenSession(amount: amount))
            fixture.clock.advance(by: .seconds(1))
        }
        let dollars = try await fixture.provenSession(currency: "USD")
        fixture.clock.advance(by: .seconds(1))
        let cutOff = fixture.now
        fixture.clock.advance(by: .seconds(1))

        let outcome = try await fixture.settle("st_1", cutOff: cutOff)

        var expected = try Seed.statementBuilder(id: "st_1", cutOff: cutOff, now: fixture.now)(
            SettlementGroup(mgOCID: Seed.mg, currency: "EUR", entries: euros.map { entry($0) }))
        expected.notifyState = .pending
        #expect(expected.total == "12.55")
        #expect(outcome == .created(expected))
        #expect(try await fixture.settlement.statement(id: "st_1") == expected)
        #expect(try await fixture.settlement.entries(statementID: "st_1") == euros.map { entry($0, statementID: "st_1") })
        for proof in euros {
            #expect(try await fixture.proofs.ledgerEntry(txid: proof.txid)?.statementID == "st_1")
        }
        #expect(try await fixture.proofs.ledgerEntry(txid: dollars.txid)?.statementID == nil)
        #expect(try await fixture.job(uniqueKey: "settle.notify:st_1")?.kind == "settle.notify")
        #expect(try await fixture.settlement.statement(id: "st_missing") == nil)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func settleRunsBeforeCommitOnceForANewStatement(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        _ = try await fixture.provenSession()
        fixture.clock.advance(by: .seconds(1))
        let cutOff = fixture.now
        let calls = Counter()

        let outcome = try await fixture.settlement.settle(
            mgOCID: Seed.mg, currency: "EUR", scope: SettlementScope(cutOff: cutOff, requireAccepted: false),
            now: fixture.now, build: Seed.statementBuilder(id: "st_1", cutOff: cutOff, now: fixture.now),
            notifyJob: Seed.notifyJob, beforeCommit: { calls.increment() })

        guard case .created = outcome else { Issue.record("expected .created, got \(outcome)"); return }
        #expect(calls.value == 1)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func settleAgainForTheSameCutOffFindsTheStatement(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        _ = try await fixture.provenSession()
        fixture.clock.advance(by: .seconds(1))
        let cutOff = fixture.now
        guard case .created(let statement) = try await fixture.settle("st_1", cutOff: cutOff) else {
            Issue.record("the first run settles")
            return
        }
        // An entry made since does not change what that cut-off's statement holds.
        _ = try await fixture.provenSession()
        fixture.clock.advance(by: .seconds(1))

        let again = try await fixture.settle("st_again", cutOff: cutOff)

        #expect(again == .existing(statement))
        #expect(try await fixture.settlement.statements() == [statement])
        #expect(try await fixture.job(uniqueKey: "settle.notify:st_again") == nil)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func aLaterStatementStartsAtThePreviousCutOff(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        _ = try await fixture.provenSession()
        fixture.clock.advance(by: .seconds(1))
        let firstCutOff = fixture.now
        _ = try await fixture.settle("st_1", cutOff: firstCutOff)
        let later = try await fixture.provenSession()
        fixture.clock.advance(by: .seconds(1))

        let groups = try await fixture.settlement.groups(SettlementScope(cutOff: fixture.now, requireAccepted: false))
        let outcome = try await fixture.settle("st_2", cutOff: fixture.now)

        #expect(groups.first?.periodStart == firstCutOff)
        guard case .created(let statement) = outcome else { Issue.record("expected .created, got \(outcome)"); return }
        #expect(statement.periodStart == firstCutOff)
        #expect(try await fixture.settlement.entries(statementID: "st_2").map(\.txid) == [later.txid])
    }

    @Test(arguments: ConformanceBackend.allCases)
    func settleWithNothingSettleableWritesNothing(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        _ = try await fixture.provenSession()
        fixture.clock.advance(by: .seconds(1))

        let unaccepted = try await fixture.settle("st_1", cutOff: fixture.now, requireAccepted: true)
        let otherMG = try await fixture.settle("st_2", mg: Seed.otherMG, cutOff: fixture.now)

        #expect(unaccepted == .nothingToSettle)
        #expect(otherMG == .nothingToSettle)
        #expect(try await fixture.settlement.statements() == [])
        #expect(try await fixture.jobs.list(JobFilter(kind: "settle.notify")) == [])
    }

    @Test(arguments: ConformanceBackend.allCases)
    func settleWithoutANotifyJobHasNoNotifyState(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        _ = try await fixture.provenSession()
        fixture.clock.advance(by: .seconds(1))

        let outcome = try await fixture.settle("st_1", cutOff: fixture.now, notify: false)

        guard case .created(let statement) = outcome else { Issue.record("expected .created, got \(outcome)"); return }
        #expect(statement.notifyState == nil)
        #expect(try await fixture.settlement.statement(id: "st_1")?.notifyState == nil)
        #expect(try await fixture.jobs.list(JobFilter(kind: "settle.notify")) == [])
    }

    @Test(arguments: ConformanceBackend.allCases)
    func settleWhoseBuildThrowsWritesNothing(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let proof = try await fixture.provenSession()
        fixture.clock.advance(by: .seconds(1))
        let cutOff = fixture.now

        await #expect(throws: SeedFailure.self) {
            _ = try await fixture.settlement.settle(
                mgOCID: Seed.mg, currency: "EUR", scope: SettlementScope(cutOff: cutOff, requireAccepted: false),
                now: fixture.now, build: { _ in throw SeedFailure() }, notifyJob: Seed.notifyJob)
        }

        #expect(try await fixture.settlement.statements() == [])
        #expect(try await fixture.proofs.ledgerEntry(txid: proof.txid)?.statementID == nil)
        #expect(try await fixture.jobs.list(JobFilter(kind: "settle.notify")) == [])
        let retried = try await fixture.settle("st_1", cutOff: cutOff)
        guard case .created = retried else { Issue.record("expected .created, got \(retried)"); return }
    }

    @Test(arguments: ConformanceBackend.allCases)
    func filesAndNotifyAnswersAreRecorded(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        _ = try await fixture.provenSession(mg: Seed.mg)
        _ = try await fixture.provenSession(mg: Seed.otherMG)
        fixture.clock.advance(by: .seconds(1))
        _ = try await fixture.settle("st_1", mg: Seed.mg, cutOff: fixture.now)
        _ = try await fixture.settle("st_2", mg: Seed.otherMG, cutOff: fixture.now)
        #expect(try await fixture.settlement.statementsMissingFiles().map(\.id).sorted() == ["st_1", "st_2"])
        fixture.clock.advance(by: .seconds(1))

        try await fixture.settlement.markFilesWritten(statementID: "st_1", at: fixture.now)
        try await fixture.settlement.recordNotify(statementID: "st_1", state: .accepted)

        #expect(try await fixture.settlement.statementsMissingFiles().map(\.id) == ["st_2"])
        let statement = try #require(try await fixture.settlement.statement(id: "st_1"))
        #expect(statement.filesWrittenAt == fixture.now)
        #expect(statement.notifyState == .accepted)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func statementsListOldestCutOffFirstAndFilter(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        _ = try await fixture.provenSession(mg: Seed.mg)
        _ = try await fixture.provenSession(mg: Seed.otherMG)
        fixture.clock.advance(by: .seconds(1))
        let first = fixture.now
        _ = try await fixture.settle("st_b", mg: Seed.mg, cutOff: first)
        _ = try await fixture.settle("st_a", mg: Seed.otherMG, cutOff: first)
        _ = try await fixture.provenSession(mg: Seed.mg)
        fixture.clock.advance(by: .seconds(1))
        let second = fixture.now
        _ = try await fixture.settle("st_c", mg: Seed.mg, cutOff: second)
        let settlement = fixture.settlement

        let all = try await settlement.statements().map(\.id)
        #expect(all.count == 3)
        #expect(Set(all.prefix(2)) == ["st_a", "st_b"])
        #expect(all.last == "st_c")
        #expect(try await Set(settlement.statements(cutOff: first, mgOCID: nil).map(\.id)) == ["st_a", "st_b"])
        #expect(try await settlement.statements(cutOff: nil, mgOCID: Seed.mg).map(\.id) == ["st_b", "st_c"])
        #expect(try await settlement.statements(cutOff: second, mgOCID: Seed.otherMG) == [])
    }

    @Test(arguments: ConformanceBackend.allCases)
    func ledgerWithDeliveriesIsOrderedByMGCurrencyTimeAndTxidWithinItsWindow(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let t0 = fixture.now
        let otherMG = try await fixture.provenSession(mg: Seed.otherMG)
        fixture.clock.advance(by: .seconds(1))
        let t1 = fixture.now
        let dollars = try await fixture.provenSession(currency: "USD")
        fixture.clock.advance(by: .seconds(1))
        let sameInstant = [try await fixture.provenSession(), try await fixture.provenSession()].sorted { $0.txid < $1.txid }
        fixture.clock.advance(by: .seconds(1))
        let t3 = fixture.now
        let last = try await fixture.provenSession()
        try await fixture.deliveries.recordDelivery(of: last, state: .accepted, at: fixture.now)

        func delivered(_ proof: StoredProof, _ state: DeliveryState = .pending) -> DeliveredLedgerEntry {
            DeliveredLedgerEntry(ledger: entry(proof), sessionID: proof.sessionID, deliveryState: state)
        }
        let everything = try await fixture.settlement.ledgerWithDeliveries(from: nil, to: nil)
        #expect(everything == sameInstant.map { delivered($0) } + [delivered(last, .accepted), delivered(dollars), delivered(otherMG)])
        let window = try await fixture.settlement.ledgerWithDeliveries(from: t1, to: t3)
        #expect(window == sameInstant.map { delivered($0) } + [delivered(dollars)], "from is inclusive, to exclusive")
        #expect(try await fixture.settlement.ledgerWithDeliveries(from: nil, to: t0) == [])
        #expect(try await fixture.settlement.ledgerWithDeliveries(from: t3, to: nil) == [delivered(last, .accepted)])
    }

    @Test(arguments: ConformanceBackend.allCases)
    func ledgerWithDeliveriesOrdersMGsAboveInt64MaxAfterSmallerOnes(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let large = try await fixture.provenSession(mg: UInt64(Int64.max) + 1)
        let small = try await fixture.provenSession(mg: 1)

        let ledger = try await fixture.settlement.ledgerWithDeliveries(from: nil, to: nil)

        #expect(ledger.map(\.ledger.mgOCID) == [small.mgOCID, large.mgOCID])
    }

    @Test(arguments: ConformanceBackend.allCases)
    func totalsSumWhatIsSettledAndWhatIsOwed(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        for amount in ["10.00", "2.50", "0.05"] { _ = try await fixture.provenSession(amount: amount) }
        fixture.clock.advance(by: .seconds(1))
        _ = try await fixture.settle("st_1", cutOff: fixture.now)
        _ = try await fixture.provenSession(amount: "1.25")
        _ = try await fixture.provenSession(amount: "3.00", currency: "USD")
        _ = try await fixture.provenSession(amount: "4.00", currency: "USD")

        let totals = try await fixture.settlement.totals().sorted { ($0.mgOCID, $0.currency) < ($1.mgOCID, $1.currency) }

        #expect(totals.count == 2)
        let euros = try #require(totals.first)
        #expect((euros.mgOCID, euros.currency, euros.statements, euros.unsettledEntries) == (Seed.mg, "EUR", 1, 1))
        #expect(abs(euros.settledAmount - 12.55) < 1e-9)
        #expect(abs(euros.unsettledAmount - 1.25) < 1e-9)
        let dollars = try #require(totals.last)
        #expect((dollars.mgOCID, dollars.currency, dollars.statements, dollars.unsettledEntries) == (Seed.mg, "USD", 0, 2))
        #expect(dollars.settledAmount == 0)
        #expect(abs(dollars.unsettledAmount - 7) < 1e-9)
    }
}

/// A count that closures running anywhere can bump. `@unchecked Sendable`: `count` is only touched under `lock`.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
