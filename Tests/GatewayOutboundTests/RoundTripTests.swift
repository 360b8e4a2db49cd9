import GatewayOutbound
import GatewayTestSupport
import Testing

@Suite struct RoundTripTests {
    /// Bounds a call that is expected to answer: long, since a loaded machine running the whole suite stretched
    /// a loopback answer past 5 s; the tests about timeouts set their own.
    static let bound: Duration = .seconds(60)

    let client = loopbackClient()

    @Test func getReturnsStatusHeadersAndBody() async throws {
        let response = try await client.send(
            OutboundRequest(method: "GET", url: try await LoopbackServer.baseURL() + "/hello", timeout: Self.bound))
        #expect(response.status == 200)
        #expect(response.text == "hello, world")
        #expect(response.headers["x-served-by"] == "loopback")
        #expect(response.headers["content-type"] == "text/plain")
        #expect(response.remoteAddress == "127.0.0.1")
    }

    @Test func postSendsBodyAndCustomHeadersExactly() async throws {
        let body: [UInt8] = Array(0...255) + Array("{\"proof\":1}".utf8)
        let response = try await client.send(OutboundRequest(
            method: "POST", url: try await LoopbackServer.baseURL() + "/echo",
            headers: [(name: "X-Token", value: "abc123"), (name: "Content-Type", value: "application/json")],
            body: body, timeout: Self.bound))
        #expect(response.status == 200)
        #expect(response.body == body)
        #expect(response.headers["x-seen-token"] == "abc123")
        #expect(response.headers["content-type"] == "application/json")
    }

    @Test func postWithoutContentTypeSendsNone() async throws {
        let response = try await client.send(OutboundRequest(
            method: "POST", url: try await LoopbackServer.baseURL() + "/echo", body: Array("a=b".utf8),
            timeout: Self.bound))
        #expect(response.headers["content-type"] == "none")
        #expect(response.text == "a=b")
    }

    @Test func hostNameIsResolvedOnceAndPinned() async throws {
        let port = try await LoopbackServer.baseURL().split(separator: ":").last!
        let response = try await client.send(
            OutboundRequest(method: "GET", url: "http://localhost:\(port)/hello", timeout: Self.bound))
        #expect(response.status == 200)
        #expect(response.remoteAddress == "127.0.0.1")
    }

    @Test func unknownHostFailsToResolve() async {
        await #expect(throws: OutboundError.resolveFailed(host: "no-such-host.invalid")) {
            try await client.send(
                OutboundRequest(method: "GET", url: "https://no-such-host.invalid/", timeout: Self.bound))
        }
    }

    @Test func redirectIsReturnedNotFollowed() async throws {
        let response = try await client.send(
            OutboundRequest(method: "GET", url: try await LoopbackServer.baseURL() + "/redirect", timeout: Self.bound))
        #expect(response.status == 302)
        #expect(response.headers["location"] == "/hello")
        #expect(response.body.isEmpty)
    }

    @Test func bodyOverTheCapIsAborted() async throws {
        let url = try await LoopbackServer.baseURL() + "/big"
        await #expect(throws: OutboundError.responseTooLarge(url: url, limit: 16 * 1024)) {
            try await client.send(OutboundRequest(method: "GET", url: url, timeout: Self.bound))
        }
    }

    @Test func hangingHandlerTimesOutWithinTheRequestTimeout() async throws {
        let url = try await LoopbackServer.baseURL() + "/hang"
        do {
            _ = try await client.send(OutboundRequest(method: "GET", url: url, timeout: .milliseconds(300)))
            Issue.record("a hanging handler produced a response")
        } catch {
            guard case .timeout(let timedOutURL, let after) = error else {
                Issue.record("expected a timeout, got \(error)")
                return
            }
            #expect(timedOutURL == url)
            // The handler sleeps 10 s; the call must end on its own 300 ms budget, not the server's.
            #expect(after >= .milliseconds(250) && after < .seconds(5))
        }
    }

    @Test func cancellingTheCallerAbortsTheTransfer() async throws {
        let url = try await LoopbackServer.baseURL() + "/hang"
        let call = Task { [client] in
            try await client.send(OutboundRequest(method: "GET", url: url, timeout: .seconds(20)))
        }
        try await Task.sleep(for: .milliseconds(200))
        call.cancel()
        do {
            _ = try await call.value
            Issue.record("a cancelled call produced a response")
        } catch {
            // Without cancellation this would be a timeout, 20 s later.
            #expect((error as? OutboundError) == .network(url: url, message: "cancelled by the caller"))
        }
    }

    @Test func connectionRefusedIsANetworkError() async throws {
        let url = "http://127.0.0.1:\(closedLoopbackPort())/hello"
        do {
            _ = try await client.send(OutboundRequest(method: "GET", url: url, timeout: Self.bound))
            Issue.record("a closed port produced a response")
        } catch {
            guard case .network(let failedURL, let message) = error else {
                Issue.record("expected a network error, got \(error)")
                return
            }
            #expect(failedURL == url)
            #expect(message.lowercased().contains("refused") || message.contains("connect"))
        }
    }

    @Test func sequentialCallsReuseOneConnection() async throws {
        let url = try await LoopbackServer.baseURL() + "/peer"
        var ports: Set<String> = []
        for _ in 0..<20 {
            ports.insert(try await client.send(OutboundRequest(method: "GET", url: url, timeout: Self.bound)).text)
        }
        #expect(ports.count == 1)
    }

    @Test func hundredConcurrentCallsAllCompleteOverFewConnections() async throws {
        let client = loopbackClient(maxConnections: 8)
        let base = try await LoopbackServer.baseURL()
        let results = try await withThrowingTaskGroup(of: (Int, OutboundResponse).self) { group in
            for index in 0..<100 {
                group.addTask {
                    let request = OutboundRequest(
                        method: "POST", url: base + "/echo", body: Array("delivery \(index)".utf8), timeout: Self.bound)
                    return (index, try await client.send(request))
                }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(results.count == 100)
        for (index, response) in results {
            #expect(response.status == 200)
            #expect(response.text == "delivery \(index)")
        }
        let peers = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<100 {
                group.addTask {
                    try await client.send(OutboundRequest(method: "GET", url: base + "/peer", timeout: Self.bound)).text
                }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        // 100 calls in flight over a cap of 8 connections: the calls queued and then reused those connections.
        #expect(peers.count <= 8)
    }
}
