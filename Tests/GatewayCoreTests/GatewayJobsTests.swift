import Foundation
import GatewayAssembly
import GatewayConfig
import GatewayCore
import GatewayStore
import GatewayTestSupport
import Logging
import Testing

struct GatewayJobsTests {
    @Test func theListedKindsAreExactlyTheRegisteredOnesAndIncludeEveryRecurringJob() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ocgate-jobs-\(UUID().uuidString)").path
        var configuration = GatewayConfiguration(
            gateway: GatewaySection(ocid: 200, name: "PG", keyFile: "unused", publicURL: "http://127.0.0.1:8080", currencies: ["USD"]))
        configuration.spool.dir = root
        let runtime = try GatewayAssembly.runtime(configuration)
        let acceptor = try CheckoutFixture().acceptor
        let gateway = Gateway(
            runtime: runtime, identity: acceptor.identity, peers: acceptor.peers,
            payments: SandboxBackend(charges: runtime.stores.charges, time: runtime.time), client: loopbackClient, slots: 4,
            checkoutURL: acceptor.checkoutURL)
        let registry = GatewayJobs.registry(gateway, acceptor: acceptor, logger: Logger(label: "test"))
        #expect(registry.kinds == GatewayJobs.kinds)
        let recurring = Set(GatewayJobs.recurring(configuration.workers, spool: SpoolLayout(root: "spool")).map(\.kind))
        #expect(recurring.isSubset(of: GatewayJobs.kinds))
        // What a drain does not wait for is exactly what the schedule keeps enqueueing.
        #expect(GatewayJobs.maintenanceKinds == recurring)
    }

    @Test func noncePruningForgetsNoncesPastTheirWindow() async throws {
        let fixture = try CheckoutFixture()
        let nonces = fixture.stores.nonces
        try await nonces.record("req_old", ocid: 300)
        fixture.time.advance(by: .seconds(601))
        try await nonces.record("req_new", ocid: 300)
        #expect(try await nonces.prune() == 1)
    }
}
