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
    @Test("only MGs with a settlement.notify URL get the signed statement; a 503 is retried with fresh headers")
    func deliversToConfiguredMG() async throws {
        let fixture = try SettlementFixture()
        let gateway = SimulatedParty(
            ocid: fixture.identity.ocid, name: fixture.identity.name, key: fixture.identity.key,
            endpoint: fixture.identity.publicURL
        ).metadata
        let mg = try await SimulatedWebhook.start(ocid: 300, trusting: [gateway], time: fixture.time)
        defer { mg.stop() }
        let cutOff = SettlementRun.startOfDay(fixture.time.now())
        _ = try await fixture.seed([
            SeededEntry(mgOCID: 300, currency: "USD", amount: "19.99", createdAt: cutOff.addingTimeInterval(-5)),
            SeededEntry(mgOCID: 301, currency: "USD", amount: "5.00", createdAt: cutOff.addingTimeInterval(-5)),
        ])
        let section = SettlementSection(
            notify: [StatementNotifyTarget(mgOCID: 300, url: mg.party.endpoint + SimulatedWebhook.statementPath)])

        let result = try await fixture.run(notifyURL: { section.notifyURL(for: $0) }).run(until: cutOff, mgOCID: nil)

        let notified = try #require(result.created.first { $0.mgOCID == 300 })
        #expect(notified.notifyState == .pending)
        #expect(result.created.first { $0.mgOCID == 301 }?.notifyState == nil)
        let jobs = try await fixture.runtime.queue.claim(
            kinds: [StatementNotify.kind], limit: 10, worker: "test", lease: .seconds(60))
        #expect(jobs.map(\.uniqueKey) == ["settle.notify:\(notified.id)"])
        let job = try #require(jobs.first)

        let handler = StatementNotify(
            identity: fixture.identity, statements: fixture.store, client: loopbackClient, urls: section,
            settings: DeliveryRig.settings, time: fixture.time, logger: fixture.logs.logger)
        mg.inject(.unavailable(times: 1))
        guard case .retry = await handler.run(job) else {
            Issue.record("a 503 must be retried")
            return
        }
        guard case .succeeded = await handler.run(job) else {
            Issue.record("the healed MG must accept the statement")
            return
        }

        #expect(mg.acceptedStatements[notified.id] == notified.signedBody)
        #expect(mg.requests.map(\.status) == [503, 200])
        #expect(Set(mg.requests.map(\.nonce)).count == 2)
        #expect(try await fixture.store.statement(id: notified.id)?.notifyState == .accepted)
    }

    @Test("an MG that rejects a statement stops its delivery for good, and the statement records it")
    func rejectedStatement() async throws {
        let fixture = try SettlementFixture()
        let gateway = SimulatedParty(
            ocid: fixture.identity.ocid, name: fixture.identity.name, key: fixture.identity.key,
            endpoint: fixture.identity.publicURL
        ).metadata
        let mg = try await SimulatedWebhook.start(ocid: 300, trusting: [gateway], time: fixture.time)
        defer { mg.stop() }
        let cutOff = SettlementRun.startOfDay(fixture.time.now())
        _ = try await fixture.seed([
            SeededEntry(mgOCID: 300, currency: "USD", amount: "1.00", createdAt: cutOff.addingTimeInterval(-5))
        ])
        let section = SettlementSection(
            notify: [StatementNotifyTarget(mgOCID: 300, url: mg.party.endpoint + SimulatedWebhook.statementPath)])
        let statement = try #require(
            try await fixture.run(notifyURL: { section.notifyURL(for: $0) }).run(until: cutOff, mgOCID: nil).created.first)
        let job = try #require(
            try await fixture.runtime.queue.claim(kinds: [StatementNotify.kind], limit: 1, worker: "t", lease: .seconds(60))
                .first)
        let handler = StatementNotify(
            identity: fixture.identity, statements: fixture.store, client: loopbackClient, urls: section,
            settings: DeliveryRig.settings, time: fixture.time, logger: fixture.logs.logger)
        mg.inject(.rejected)

        let outcome = await handler.run(job)

        guard case .dead = outcome else {
            Issue.record("expected the delivery to stop, got \(outcome)")
            return
        }
        #expect(mg.acceptedStatements.isEmpty)
        #expect(try await fixture.store.statement(id: statement.id)?.notifyState == .rejected)
        #expect(fixture.logs.messages(at: .error).contains { $0.contains("statement delivery stopped") })
    }
}
