import GatewayOutbound
import GatewayTestSupport
import Testing

/// A request that must go out again because its connection died carries fresh headers (issue 18 item 10).
/// libcurl by itself sends a request again on a fresh connection when a reused one died before any reply byte,
/// with the headers as they were: a signed request reached the MG with a nonce it had already seen. Every test
/// sends through a `FlakyLink` in front of the loopback server's `/echo`, with a nonce made anew for each send.
@Suite struct SendAgainTests {
    @Test func aRequestDroppedBeforeItsBodyOnAKeptAliveConnectionGoesAgainWithAFreshNonce() async throws {
        try await expectSentAgain(after: .dropBeforeBody)
    }

    @Test func aRequestDroppedAfterItsBodyOnAKeptAliveConnectionGoesAgainWithAFreshNonce() async throws {
        try await expectSentAgain(after: .dropAfterBody)
    }

    /// The server behind acted on the request; only its answer was lost. A strict MG has recorded that nonce.
    @Test func aRequestWhoseAnswerWasLostGoesAgainWithAFreshNonce() async throws {
        try await expectSentAgain(after: .dropAnswer)
    }

    @Test func aKeptAliveConnectionTheServerClosedWhileIdleIsNotUsedAgain() async throws {
        let link = try await flakyLink { $0.index == 0 ? .forwardThenClose : .forward }
        defer { link.stop() }
        let post = NoncedPost(url: link.url)
        let client = loopbackClient()
        #expect(try await client.send(post.request(Self.body)).body == Self.body)
        // The close is done before the next request starts: the connection idles closed in curl's cache.
        #expect(try await eventually { link.closedConnections == 1 })
        #expect(try await client.send(post.request(Self.body)).body == Self.body)
        let seen = link.seen
        #expect(seen.map(\.action) == [.forwardThenClose, .forward])
        #expect(seen.map(\.arrival.connection) == [0, 1])
        expectEveryNonceOnce(seen, body: Self.body)
    }

    /// No waiting between requests: a close may still be on its way when curl picks the connection again, the
    /// race a server's idle timeout runs with every client. Either way the link sees each request once.
    @Test func aServerClosingEveryConnectionAfterAnsweringSeesEachRequestOnceWithItsOwnNonce() async throws {
        let link = try await flakyLink { _ in .forwardThenClose }
        defer { link.stop() }
        let post = NoncedPost(url: link.url)
        let client = loopbackClient()
        for _ in 0..<40 {
            #expect(try await client.send(post.request(Self.body)).body == Self.body)
        }
        let seen = link.seen
        #expect(seen.count == 40)
        #expect(Set(seen.map(\.arrival.connection)).count == 40)
        expectEveryNonceOnce(seen, body: Self.body)
    }

    /// Kept-alive connections break every way in turn, while more calls wait than there are connections.
    @Test func concurrentCallsThroughConnectionsThatBreakEveryWayNeverRepeatANonce() async throws {
        let link = try await flakyLink(FlakyLink.alternating([.dropBeforeBody, .dropAfterBody, .dropAnswer, .forwardThenClose]))
        defer { link.stop() }
        let post = NoncedPost(url: link.url)
        let client = loopbackClient(maxConnections: 4)
        let answered = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<120 {
                group.addTask {
                    let body = Array("delivery \(index)".utf8)
                    return try await client.send(post.request(body)).body == body
                }
            }
            return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
        }
        #expect(answered == 120)
        let seen = link.seen
        #expect(Set(seen.map(\.action)).count == 5, "every way of breaking happened")
        #expect(seen.filter { $0.action != .forward && $0.action != .forwardThenClose }.count > 10)
        #expect(Set(seen.map { $0.fields["x-oc-nonce"] }).count == seen.count, "no nonce reached the link twice")
    }

    static let body = Array(#"{"proof":{"txid":"pg_tx_1"},"signature":"00"}"#.utf8)

    /// The first request opens a connection and is answered; the second comes on that connection, kept alive,
    /// and the link breaks it as `drop` says; the client must send it again, the body the same, the nonce new.
    private func expectSentAgain(after drop: FlakyLink.Action) async throws {
        let link = try await flakyLink { $0.index == 1 ? drop : .forward }
        defer { link.stop() }
        let post = NoncedPost(url: link.url)
        let client = loopbackClient()
        for _ in 0..<2 {
            let response = try await client.send(post.request(Self.body))
            #expect(response.status == 200)
            #expect(response.body == Self.body)
        }
        let seen = link.seen
        #expect(seen.map(\.action) == [.forward, drop, .forward])
        #expect(seen.map(\.arrival.onConnection).prefix(2) == [0, 1], "the dropped request came on the kept-alive connection")
        #expect(seen.last?.arrival.connection != 0, "sent again on a fresh connection")
        expectEveryNonceOnce(seen, body: Self.body)
    }

    private func flakyLink(_ script: @escaping @Sendable (FlakyLink.Arrival) -> FlakyLink.Action) async throws -> FlakyLink {
        let port = try #require(Int(try await LoopbackServer.baseURL().split(separator: ":").last ?? ""))
        return try FlakyLink(upstreamPort: port, script: script)
    }

    private func expectEveryNonceOnce(_ seen: [FlakyLink.Seen], body: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        let nonces = seen.map { $0.fields["x-oc-nonce"] ?? "none" }
        #expect(Set(nonces).count == nonces.count, "a nonce reached the link twice: \(nonces)", sourceLocation: sourceLocation)
        #expect(seen.allSatisfy { $0.body == nil || $0.body == body }, "the body is the same on every send", sourceLocation: sourceLocation)
    }
}

/// POSTs to `/echo` behind a link, each send with a nonce of its own, as a signed request's headers are made. The
/// timeout only bounds a hung test: a call's time includes its wait for one of few connections, which a loaded
/// machine running the whole suite stretched past 10 s.
private struct NoncedPost {
    let url: String
    let nonces = CallCounter()

    func request(_ body: [UInt8]) -> OutboundRequest {
        OutboundRequest(
            method: "POST", url: url + "/echo", headers: [("Content-Type", "application/json")],
            freshHeaders: { [nonces] in [("X-OC-Nonce", "nonce-\(nonces.next())")] }, body: body, timeout: .seconds(120))
    }
}
