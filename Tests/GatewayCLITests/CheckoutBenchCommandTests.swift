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

    @Test func aResponseHeadIsReadOnlyOnceCompleteAndOnlyWhenFramedByContentLength() throws {
        let response = Array("HTTP/1.1 409 Conflict\r\ncontent-LENGTH:  11\r\nX-A: b\r\n\r\n{\"error\":1}".utf8)
        #expect(try ResponseHead(response[..<20]) == nil, "the header has not arrived")
        let head = try #require(try ResponseHead(response[...]))
        #expect(head.status == 409 && head.contentLength == 11)
        #expect(head.length == response.count - 11)
        #expect(try ResponseHead(Array("HTTP/1.1 204 No Content\r\n\r\n".utf8)[...])?.contentLength == 0)
        let loose = Array("HTTP/1.0  201 Created\r\nnot a field\r\nContent-Length:\t3 \r\n\r\nabc".utf8)
        let looseHead = try #require(try ResponseHead(loose[...]))
        #expect(looseHead.status == 201 && looseHead.contentLength == 3 && looseHead.length == loose.count - 3)
        for unframed in [
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "HTTP/1.1 200 OK\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            "{\"x\":1}\r\n\r\n", "HTTP/2 200\r\nContent-Length: 0\r\n\r\n",
        ] {
            #expect(throws: KeepAliveLoad.Failure.self, "\(unframed)") { try ResponseHead(Array(unframed.utf8)[...]) }
        }
    }

    @Test func aResponseArrivingInPiecesIsReadWholeAndAnythingElseFailsTheRun() throws {
        var ends: [Int32] = [0, 0]
        #if canImport(Glibc)
        let kind = Int32(SOCK_STREAM.rawValue)
        #else
        let kind = SOCK_STREAM
        #endif
        try #require(socketpair(AF_UNIX, kind, 0, &ends) == 0)
        let client = LoadConnection(descriptor: ends[0])
        defer { client.disconnect() }
        let (serverEnd, turn) = (ends[1], DispatchSemaphore(value: 0))
        // The server's side, on a thread of its own, one step per turn the client gives it.
        Thread {
            let server = LoadConnection(descriptor: serverEnd)
            for piece in ["HTTP/1.1 200 OK\r\nContent-Le", "ngth: 4\r\n", "\r\nab", "cd"] {
                try? server.send(Array(piece.utf8))
                usleep(20_000)
            }
            turn.wait()
            try? server.send(Array("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxy".utf8))
            turn.wait()
            server.disconnect()
        }.start()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        #expect(try client.receiveResponse(into: &buffer) == 200)
        turn.signal()
        #expect(throws: KeepAliveLoad.Failure.self, "bytes past the length") { try client.receiveResponse(into: &buffer) }
        turn.signal()
        #expect(throws: KeepAliveLoad.Failure.self, "a closed connection") { try client.receiveResponse(into: &buffer) }
    }
}
