import Foundation
import GatewaySimulator
import GatewayTestSupport
import Testing

/// Issue 18 item 9, from outside: a live `ocgate serve` sends the customer's browser to `urls.success` only once the
/// payment's proof is issued and the Merchant Gateway has it. On every backend: checkout over HTTP, the hosted page
/// paid, the proof issued, stored and delivered to the simulated MG, all by the one `serve` process.
struct PayRedirectTests {
    @Test(arguments: TestBackend.allCases)
    func theBrowserIsRedirectedOnlyOnceTheProofIsIssuedAndTheMGHasIt(backend: TestBackend) async throws {
        let flow = try await FlowFixture.make(backend: backend)
        defer { flow.webhook.stop() }
        // No workers: whatever is done when the 303 arrives, the pay request did.
        let server = try await flow.serve(workers: false)
        defer { FlowFixture.stop(server) }

        for n in 0..<4 {
            let id = try await flow.checkoutAndPay(orderID: "ord_redirect_\(n)")
            // Read right after the 303, before anything else could run.
            let ledger = try await flow.ledger()
            let proof = try #require(ledger.proofs.first { $0.sessionID == id }, "no proof when the 303 arrived")
            #expect(proof.deliveryState == "accepted")
            #expect(ledger.ledgerTxids.contains(proof.txid))
            let stored = Array("{\"proof\":\(proof.proofJSON),\"signature\":\"\(proof.signature)\"}".utf8)
            #expect(flow.webhook.acceptedBodies[proof.txid] == stored, "the MG did not have the proof at the 303")
        }
    }
}
