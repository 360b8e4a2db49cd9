import Foundation
import GatewayConfig
import GatewayCore
import GatewaySimulator
import GatewayStore
import GatewayTestSupport
import Logging
import Opencharge
import Testing

@Suite("Statement delivery (settle.notify)")
struct StatementNotifyTests {
    /// A settlement over MG 300 (which takes statements at the simulated MG) and MG 301 (which takes none), with
    /// the claimed `settle.notify` job and its handler.
    private struct Rig {
        let fixture: SettlementFixture
        let mg: SimulatedWebhook
        let result: SettlementResult
        let jobs: [ClaimedJob]
        let handler: StatementNotify

        static func make() async throws -> Rig {
            let fixture = try SettlementFixture()
            let gateway = SimulatedParty(
                ocid: fixture.identity.ocid, name: fixture.identity.name, key: fixture.identity.key,
                endpoint: fixture.identity.publicURL
            ).metadata
            let mg = try await SimulatedWebhook.start(ocid: 300, trusting: [gateway], time: fixture.time)
            let cutOff = SettlementRun.startOfDay(fixture.time.now())
            _ = try await fixture.seed([
                SeededEntry(mgOCID: 300, currency: "USD", amount: "19.99", createdAt: cutOff.addingTimeInterval(-5)),
                SeededEntry(mgOCID: 301, currency: "USD", amount: "5.00", createdAt: cutOff.addingTimeInterval(-5)),
            ])
            let section = SettlementSection(
                notify: [StatementNotifyTarget(mgOCID: 300, url: mg.party.endpoint + SimulatedWebhook.statementPath)])
            let result = try await fixture.run(notifyURL: { section.notifyURL(for: $0) }).run(until: cutOff, mgOCID: nil)
            let jobs = try await fixture.runtime.stores.jobs.claim(
                kinds: [StatementNotify.kind], limit: 10, worker: "test", lease: .seconds(60))
            let handler = StatementNotify(
                identity: fixture.identity, statements: fixture.store, client: loopbackClient, urls: section,
                settings: DeliveryRig.settings, time: fixture.time, logger: fixture.logs.logger)
            return Rig(fixture: fixture, mg: mg, result: result, jobs: jobs, handler: handler)
        }

        var notified: StoredStatement? { result.created.first { $0.mgOCID == 300 } }
    }

    @Test("only MGs with a settlement.notify URL get the signed statement; a 503 is retried with fresh headers")
    func deliversToConfiguredMG() async throws {
        let rig = try await Rig.make()
        defer { rig.mg.stop() }
        let notified = try #require(rig.notified)
        #expect(notified.notifyState == .pending)
        #expect(rig.result.created.first { $0.mgOCID == 301 }?.notifyState == nil)
        #expect(rig.jobs.map(\.uniqueKey) == ["settle.notify:\(notified.id)"])
        let job = try #require(rig.jobs.first)

        rig.mg.inject(.unavailable(times: 1))
        guard case .retry = await rig.handler.run(job) else {
            Issue.record("a 503 must be retried")
            return
        }
        guard case .succeeded = await rig.handler.run(job) else {
            Issue.record("the healed MG must accept the statement")
            return
        }

        #expect(rig.mg.acceptedStatements[notified.id] == notified.signedBody)
        #expect(rig.mg.requests.map(\.status) == [503, 200])
        #expect(Set(rig.mg.requests.map(\.nonce)).count == 2)
        #expect(try await rig.fixture.store.statement(id: notified.id)?.notifyState == .accepted)
    }

    @Test("an MG that rejects a statement stops its delivery for good, and the statement records it")
    func rejectedStatement() async throws {
        let rig = try await Rig.make()
        defer { rig.mg.stop() }
        let notified = try #require(rig.notified)
        rig.mg.inject(.rejected)

        let outcome = await rig.handler.run(try #require(rig.jobs.first))

        guard case .dead = outcome else {
            Issue.record("expected the delivery to stop, got \(outcome)")
            return
        }
        #expect(rig.mg.acceptedStatements.isEmpty)
        #expect(try await rig.fixture.store.statement(id: notified.id)?.notifyState == .rejected)
        #expect(rig.fixture.logs.messages(at: .error).contains { $0.contains("statement delivery stopped") })
    }
}
