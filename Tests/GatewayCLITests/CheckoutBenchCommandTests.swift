@testable import GatewayCLI
import Foundation
import GatewayOutbound
import Opencharge
import Testing

struct CheckoutBenchCommandTests {
    @Test func benchAcceptsAndStoresEveryCheckoutAndReportsTheCeiling() throws {
        let result = try OCGateProcess.run(["bench", "checkout", "--requests", "200", "--connections", "8", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONParser.parse(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(report["sessions_stored"] == 200)
        #expect(report["checkout"]?["statuses"] == ["200": 200])
        #expect(report["ceiling_checks_only"]?["statuses"] == ["200": 200])
        #expect((report["checkout"]?["requests_per_second"]?.numberValue?.uint64Value ?? 0) > 0)
    }
}

struct KeepAliveLoadTests {
    @Test func aRequestGoesOnTheWireWithItsTargetHeadersAndOneContentLength() throws {
        let request = OutboundRequest(
            method: "POST", url: "http://127.0.0.1:9/checkout/create?x=1",
            headers: [("Content-Type", "application/json"), ("X-OC-ID", "300"), ("content-length", "999")],
            body: Array("{}".utf8), timeout: .seconds(1))
        let wire = String(decoding: try KeepAliveLoad.serialise(request, port: 8080), as: UTF8.self)
        #expect(wire == "POST /checkout/create?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type: application/json\r\n"
            + "X-OC-ID: 300\r\nContent-Length: 2\r\n\r\n{}")
        let tls = OutboundRequest(method: "GET", url: "https://127.0.0.1/", headers: [], body: [], timeout: .seconds(1))
        #expect(throws: KeepAliveLoad.Failure.self) { try KeepAliveLoad.serialise(tls, port: 443) }
    }

    @Test func aResponseHeadIsReadOnlyOnceComplete() throws {
        let response = Array("HTTP/1.1 409 Conflict\r\ncontent-LENGTH:  11\r\nX-A: b\r\n\r\n{\"error\":1}".utf8)
        #expect(ResponseHead(response[..<20]) == nil, "the header has not arrived")
        let head = try #require(ResponseHead(response[...]))
        #expect(head.status == 409 && head.contentLength == 11)
        #expect(head.length == response.count - 11)
        #expect(ResponseHead(Array("HTTP/1.1 204 No Content\r\n\r\n".utf8)[...])?.contentLength == 0)
    }
}
