@testable import GatewayOutbound
import Testing

@Suite struct AddressPinningTests {
    /// `pinned.example` has no DNS record: reaching the server proves curl used the checked address it was given
    /// and never asked DNS itself, so a rebinding resolver could not swap the address after the check.
    @Test func transferConnectsToThePinnedAddressWithoutDNS() async throws {
        let port = try await LoopbackServer.baseURL().split(separator: ":").last!
        let url = try OutboundURL("http://pinned.example:\(port)/hello")
        let loop = TransferLoop(maxConnections: 4)
        defer { loop.shutdown() }
        let transfer = Transfer(
            request: OutboundRequest(method: "GET", url: url.text, timeout: .seconds(5)), url: url,
            pinnedAddresses: [IPAddress("127.0.0.1")!], policy: OutboundPolicy(allowLoopback: true), started: .now)
        let outcome = await withCheckedContinuation { loop.start(transfer, reply: $0) }
        guard case .response(let response) = outcome else {
            Issue.record("expected a response, got \(outcome)")
            return
        }
        #expect(response.status == 200)
        #expect(response.remoteAddress == "127.0.0.1")
    }
}
