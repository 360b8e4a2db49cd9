@testable import GatewayOutbound
import Logging
import Testing

@Suite struct AddressPolicyTests {
    let client = loopbackClient()

    /// Every non-public range, as a literal host: refused before any connection is attempted.
    @Test(arguments: [
        ("https://10.0.0.1/webhook", "10.0.0.1", "private"),
        ("https://172.16.5.4/", "172.16.5.4", "private"),
        ("https://192.168.1.1/", "192.168.1.1", "private"),
        ("https://[fd12::1]/", "fd12::1", "private"),
        ("https://169.254.169.254/latest/meta-data", "169.254.169.254", "link-local"),
        ("https://[fe80::1]/", "fe80::1", "link-local"),
        ("https://100.64.0.1/", "100.64.0.1", "CGNAT"),
        ("https://[64:ff9b::a00:1]/", "64:ff9b::a00:1", "NAT64"),
        ("https://[2002:a00:1::1]/", "2002:a00:1::1", "6to4"),
        ("https://224.0.0.1/", "224.0.0.1", "multicast"),
        ("https://[ff02::1]/", "ff02::1", "multicast"),
        ("https://0.0.0.0/", "0.0.0.0", "unspecified"),
        ("https://[::]/", "::", "unspecified"),
        ("https://255.255.255.255/", "255.255.255.255", "broadcast"),
        ("https://[::ffff:10.0.0.1]/", "::ffff:10.0.0.1", "private"),
    ])
    func nonPublicRangeIsRefused(url: String, address: String, rule: String) async throws {
        do {
            _ = try await client.send(OutboundRequest(method: "GET", url: url, timeout: .seconds(1)))
            Issue.record("\(url) was not refused")
        } catch {
            guard case .refused = error else {
                Issue.record("expected a refusal for \(url), got \(error)")
                return
            }
            // The operator's line names the URL, the address and the rule.
            #expect(error.description.contains(address))
            #expect(error.description.contains(rule))
            #expect(error.description.contains("refused"))
        }
    }

    @Test func plainHTTPToANonLoopbackHostIsRefused() async {
        for url in ["http://example.com/metadata.json", "http://93.184.216.34/", "http://10.0.0.1/"] {
            do {
                _ = try await client.send(OutboundRequest(method: "GET", url: url, timeout: .seconds(1)))
                Issue.record("\(url) was not refused")
            } catch {
                guard case .refused(_, let reason) = error else {
                    Issue.record("expected a refusal for \(url), got \(error)")
                    continue
                }
                #expect(reason.contains("plain http"))
            }
        }
    }

    @Test func otherSchemesAreRefused() async {
        await #expect(throws: OutboundError.refused(
            url: "ftp://example.com/file", reason: "scheme 'ftp' is not allowed (only http and https)")
        ) {
            try await client.send(OutboundRequest(method: "GET", url: "ftp://example.com/file", timeout: .seconds(1)))
        }
    }

    @Test func unparseableURLIsInvalid() async {
        await #expect(throws: OutboundError.invalidURL("not a url")) {
            try await client.send(OutboundRequest(method: "GET", url: "not a url", timeout: .seconds(1)))
        }
    }

    @Test func loopbackIsRefusedUnlessAllowed() async throws {
        let strict = OutboundClient(policy: OutboundPolicy(allowLoopback: false), logger: .init(label: "test"))
        let url = try await LoopbackServer.baseURL() + "/hello"
        do {
            _ = try await strict.send(OutboundRequest(method: "GET", url: url, timeout: .seconds(1)))
            Issue.record("loopback was reached with allowLoopback = false")
        } catch {
            guard case .refused(_, let reason) = error else {
                Issue.record("expected a refusal, got \(error)")
                return
            }
            #expect(reason.contains("127.0.0.1"))
            #expect(reason.contains("loopback"))
        }
    }

    @Test func allowHostsLetsAListedPrivateAddressPast() throws {
        let policy = OutboundPolicy(allowHosts: ["10.0.0.5", "processor.internal", "[fd00::7]"])
        try policy.admit(try OutboundURL("https://10.0.0.5/charge"), addresses: [IPAddress("10.0.0.5")!])
        try policy.admit(try OutboundURL("https://Processor.Internal/charge"), addresses: [IPAddress("192.168.3.3")!])
        try policy.admit(try OutboundURL("https://[fd00::7]/charge"), addresses: [IPAddress("fd00::7")!])
        // Another private address, or a listed name's neighbour, is still refused.
        #expect(throws: OutboundError.self) {
            try policy.admit(try OutboundURL("https://10.0.0.6/charge"), addresses: [IPAddress("10.0.0.6")!])
        }
        #expect(throws: OutboundError.self) {
            try policy.admit(try OutboundURL("https://other.internal/"), addresses: [IPAddress("192.168.3.3")!])
        }
    }

    @Test func oneBadAddressAmongManyRefusesTheHost() throws {
        let policy = OutboundPolicy()
        let url = try OutboundURL("https://rebinding.example/")
        try policy.admit(url, addresses: [IPAddress("93.184.216.34")!, IPAddress("2606:2800:220:1::1")!])
        #expect(throws: OutboundError.self) {
            try policy.admit(url, addresses: [IPAddress("93.184.216.34")!, IPAddress("169.254.169.254")!])
        }
    }

    @Test func plainHTTPToLocalhostIsAdmittedOnlyForLoopbackAddresses() throws {
        let policy = OutboundPolicy(allowLoopback: true)
        let url = try OutboundURL("http://localhost:8080/metadata.json")
        try policy.admitBeforeResolution(url)
        try policy.admit(url, addresses: [IPAddress("127.0.0.1")!, IPAddress("::1")!])
        #expect(throws: OutboundError.self) {
            try policy.admit(url, addresses: [IPAddress("93.184.216.34")!])
        }
    }
}
