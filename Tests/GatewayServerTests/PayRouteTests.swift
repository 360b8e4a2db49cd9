import Foundation
import GatewayCore
import GatewayStore
import GatewayTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Opencharge
import Testing

/// The hosted page. The tests that pay, cancel, expire or look up a session run on every backend (`TestBackend`);
/// those about how a page renders, or how a form is read before any store is asked, on SQLite alone.
struct PayRouteTests {
    @Test func thePageShowsTheOrderWithEveryValueEscaped() async throws {
        let fixture = try PayFixture()
        let session = try await fixture.openSession()
        try await fixture.withServer { client in
            let response = try await client.page(session.id)
            #expect(response.status == .ok)
            let html = response.html
            #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Co&#39;"))
            #expect(html.contains("&lt;img src=x onerror=alert(1)&gt;Widget"))
            #expect(!html.contains("<script"))
            #expect(!html.contains("<img"))
            #expect(html.contains(#"<strong id="amount">25.50 USD</strong>"#))
            #expect(html.contains(#"<td class="num">2</td><td class="num">10.00</td><td class="num">20.00</td>"#))
            #expect(html.contains("Gift wrap"))
            #expect(html.contains("expires in about 30 minutes"))
            for choice in ["succeed", "decline", "delay"] { #expect(html.contains(#"value="\#(choice)""#)) }
            #expect(html.contains("Secure checkout by Test PG"))
        }
    }

    @Test func thePageRendersWhenTheMerchantsMetadataIsUnavailable() async throws {
        let fixture = try PayFixture(merchantKnown: false)
        let session = try await fixture.openSession()
        try await fixture.withServer { client in
            let response = try await client.page(session.id)
            #expect(response.status == .ok)
            #expect(response.html.contains("Merchant 500"))
        }
    }

    @Test func pagesCarryTheSecurityHeaders() async throws {
        let fixture = try PayFixture()
        let session = try await fixture.openSession()
        try await fixture.withServer { client in
            for response in [try await client.page(session.id), try await client.page("cs_nothing")] {
                let policy = try #require(response.headers[.contentSecurityPolicy])
                #expect(policy.contains("default-src 'none'"))
                #expect(policy.contains("style-src 'sha256-"))
                #expect(policy.contains("frame-ancestors 'none'"))
                #expect(!policy.contains("unsafe-inline"))
                #expect(response.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
                #expect(response.headers[.cacheControl] == "no-store")
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
            }
            let policy = try #require(try await client.page(session.id).headers[.contentSecurityPolicy])
            #expect(policy.contains("form-action 'self' https://merchant.example"))
        }
    }

    @Test func theStyleHashInThePolicyMatchesTheInlineStylesheet() async throws {
        let fixture = try PayFixture()
        let session = try await fixture.openSession()
        try await fixture.withServer { client in
            let response = try await client.page(session.id)
            let html = response.html
            let start = try #require(html.range(of: "<style>")).upperBound
            let end = try #require(html.range(of: "</style>")).lowerBound
            let hash = Data(SHA256Digest(hashing: Array(html[start..<end].utf8)).bytes).base64EncodedString()
            #expect(try #require(response.headers[.contentSecurityPolicy]).contains("'sha256-\(hash)'"))
        }
    }

    @Test(arguments: TestBackend.allCases)
    func payingRedirectsToTheSuccessURLUnchanged(backend: TestBackend) async throws {
        let fixture = try PayFixture(backend: backend)
        let session = try await fixture.openSession()
        try await fixture.withServer { client in
            let token = try await client.formToken(session.id)
            let response = try await client.submit("/pay/\(session.id)", [("csrf", token), ("choice", "succeed")])
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "https://merchant.example/ok?order=ord_42&x=1")
            #expect(try await fixture.chargeCount(session.id) == 1)
            #expect(try await fixture.jobs("proof.issue").count == 1)
            let status = try await client.execute(uri: "/pay/\(session.id)/status", method: .get)
            #expect(try JSONParser.parse(Array(status.body.readableBytesView)) == ["status": "processing"])
            #expect(status.headers[HTTPField.Name("X-OC-Signature")!] != nil)
            #expect(try await client.page(session.id).html.contains("Payment received"))
        }
    }

    @Test(arguments: TestBackend.allCases)
    func aBadOrMissingFormTokenIsRefusedAndChargesNothing(backend: TestBackend) async throws {
        let fixture = try PayFixture(backend: backend)
        let session = try await fixture.openSession()
        let other = try await fixture.openSession()
        try await fixture.withServer { client in
            let foreign = try await client.formToken(other.id)
            for fields in [[("choice", "succeed")], [("csrf", foreign), ("choice", "succeed")], [("csrf", "00"), ("choice", "succeed")]] {
                let response = try await client.submit("/pay/\(session.id)", fields)
                #expect(response.status == .forbidden)
                #expect(response.html.contains("This form is no longer valid"))
            }
            let cancel = try await client.submit("/pay/\(session.id)/cancel", [("csrf", foreign)])
            #expect(cancel.status == .forbidden)
            #expect(try await fixture.chargeCount(session.id) == 0)
            #expect(try await fixture.jobs("proof.issue").isEmpty)
            #expect(try await fixture.sessions.session(id: session.id)?.status == "pending")
        }
    }

    @Test(arguments: TestBackend.allCases)
    func aDeclineShowsTheReasonAndLeavesTheSessionPayable(backend: TestBackend) async throws {
        let fixture = try PayFixture(backend: backend)
        let session = try await fixture.openSession()
        try await fixture.withServer { client in
            let token = try await client.formToken(session.id)
            let declined = try await client.submit("/pay/\(session.id)", [("csrf", token), ("choice", "decline")])
            #expect(declined.status == .ok)
            #expect(declined.html.contains(#"role="alert">The sandbox declined this payment"#))
            #expect(declined.html.contains(#"value="succeed""#))
            #expect(try await fixture.sessions.session(id: session.id)?.status == "pending")
            #expect(try await fixture.chargeCount(session.id) == 0)
            let paid = try await client.submit("/pay/\(session.id)", [("csrf", token), ("choice", "succeed")])
            #expect(paid.status == .seeOther)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func cancellingRedirectsToTheCancelURLAndStaysCancelled(backend: TestBackend) async throws {
        let fixture = try PayFixture(backend: backend)
        let session = try await fixture.openSession()
        try await fixture.withServer { client in
            let token = try await client.formToken(session.id)
            let response = try await client.submit("/pay/\(session.id)/cancel", [("csrf", token)])
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "https://merchant.example/cancel")
            let status = try await client.execute(uri: "/pay/\(session.id)/status", method: .get)
            #expect(try JSONParser.parse(Array(status.body.readableBytesView)) == ["status": "cancelled"])
            #expect(try await client.page(session.id).html.contains("Checkout cancelled"))
            let late = try await client.submit("/pay/\(session.id)", [("csrf", token), ("choice", "succeed")])
            #expect(late.status == .ok)
            #expect(late.html.contains("Checkout cancelled"))
            #expect(try await fixture.chargeCount(session.id) == 0)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func anExpiredSessionShowsTheExpiredPageAndCannotBePaid(backend: TestBackend) async throws {
        let fixture = try PayFixture(backend: backend)
        let session = try await fixture.openSession()
        try await fixture.withServer { client in
            let token = try await client.formToken(session.id)
            fixture.time.advance(by: .seconds(1801))
            let page = try await client.page(session.id)
            #expect(page.html.contains("This checkout has expired"))
            #expect(!page.html.contains("name=\"csrf\""))
            let pay = try await client.submit("/pay/\(session.id)", [("csrf", token), ("choice", "succeed")])
            #expect(pay.html.contains("This checkout has expired"))
            #expect(try await fixture.chargeCount(session.id) == 0)
            let status = try await client.execute(uri: "/pay/\(session.id)/status", method: .get)
            #expect(try JSONParser.parse(Array(status.body.readableBytesView)) == ["status": "expired"])
        }
    }

    @Test func completedAndFailedSessionsHaveTheirOwnPages() async throws {
        let fixture = try PayFixture()
        let completed = try await fixture.openSession()
        let failed = try await fixture.openSession()
        fixture.setStatus(.completed, of: completed.id)
        fixture.setStatus(.failed, of: failed.id)
        try await fixture.withServer { client in
            let done = try await client.page(completed.id).html
            #expect(done.contains("Payment complete"))
            #expect(done.contains(#"href="https://merchant.example/ok?order=ord_42&amp;x=1""#))
            // The processing page refreshes into this one, which sends the browser on to the success URL.
            #expect(done.contains(#"<meta http-equiv="refresh" content="0;url=https://merchant.example/ok?order=ord_42&amp;x=1">"#))
            #expect(try await client.page(failed.id).html.contains("Payment failed"))
        }
    }

    @Test(arguments: TestBackend.allCases)
    func aDelayedPaymentShowsTheProcessingPageAndQueuesAPoll(backend: TestBackend) async throws {
        let fixture = try PayFixture(backend: backend)
        let session = try await fixture.openSession()
        try await fixture.withServer { client in
            let token = try await client.formToken(session.id)
            let response = try await client.submit("/pay/\(session.id)", [("csrf", token), ("choice", "delay")])
            #expect(response.status == .ok)
            #expect(response.html.contains("Payment received"))
            #expect(response.html.contains(#"<meta http-equiv="refresh" content="3">"#))
            #expect(try await fixture.jobs("payment.poll").count == 1)
            #expect(try await fixture.jobs("proof.issue").isEmpty)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func anUnknownSessionIsANotFoundPage(backend: TestBackend) async throws {
        let fixture = try PayFixture(backend: backend)
        try await fixture.withServer { client in
            let page = try await client.page("cs_00000000000000000000000000000000")
            #expect(page.status == .notFound)
            #expect(page.html.contains("Checkout not found"))
            let pay = try await client.submit("/pay/cs_missing", [("csrf", "00"), ("choice", "succeed")])
            #expect(pay.status == .notFound)
            let status = try await client.execute(uri: "/pay/cs_missing/status", method: .get)
            #expect(status.status == .notFound)
            #expect(try JSONParser.parse(Array(status.body.readableBytesView))["error"]?["code"] == "NOT_FOUND")
        }
    }

    /// The session is looked up first: whatever the form holds (nothing, no choice, no token, too much, not a form
    /// at all), an unknown id is the 404 page, on both form routes.
    @Test(
        arguments: ["/pay/cs_00000000000000000000000000000000", "/pay/cs_00000000000000000000000000000000/cancel"],
        TestBackend.allCases)
    func anUnknownSessionIs404WhateverTheFormHolds(path: String, backend: TestBackend) async throws {
        let fixture = try PayFixture(backend: backend)
        let known = try await fixture.openSession()
        try await fixture.withServer { client in
            let token = try await client.formToken(known.id)
            let forms: [[(String, String)]] = [
                [], [("csrf", token)], [("choice", "succeed")], [("csrf", token), ("choice", "")],
                [("csrf", String(repeating: "a", count: 5000))],
            ]
            for fields in forms {
                let response = try await client.submit(path, fields)
                #expect(response.status == .notFound, "\(fields.map(\.0))")
                #expect(response.html.contains("Checkout not found"))
            }
            let notAForm = try await client.execute(
                uri: path, method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: #"{"csrf":1}"#))
            #expect(notAForm.status == .notFound)
            let empty = try await client.execute(uri: path, method: .post)
            #expect(empty.status == .notFound)
            #expect(try await fixture.chargeCount(known.id) == 0)
        }
    }

    /// For a session that exists, the form is judged as before: unreadable 400, no token 403, no choice 400.
    @Test func aKnownSessionsFormIsStillJudged() async throws {
        let fixture = try PayFixture()
        let session = try await fixture.openSession()
        try await fixture.withServer { client in
            let token = try await client.formToken(session.id)
            let oversized = [("csrf", String(repeating: "a", count: 5000))]
            #expect(try await client.submit("/pay/\(session.id)", oversized).status == .badRequest)
            #expect(try await client.submit("/pay/\(session.id)/cancel", oversized).status == .badRequest)
            #expect(try await client.submit("/pay/\(session.id)", [("choice", "succeed")]).status == .forbidden)
            #expect(try await client.submit("/pay/\(session.id)/cancel", []).status == .forbidden)
            #expect(try await client.submit("/pay/\(session.id)", [("csrf", token)]).status == .badRequest)
            #expect(try await fixture.sessions.session(id: session.id)?.status == "pending")
        }
    }

    @Test func aFormWithoutAChoiceIsABadRequestPage() async throws {
        let fixture = try PayFixture()
        let session = try await fixture.openSession()
        try await fixture.withServer { client in
            let token = try await client.formToken(session.id)
            for choice in ["", "steal"] {
                let response = try await client.submit("/pay/\(session.id)", [("csrf", token), ("choice", choice)])
                #expect(response.status == .badRequest)
                #expect(response.html.contains("Choose one of the payment buttons"))
            }
            #expect(try await fixture.chargeCount(session.id) == 0)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func concurrentPaymentsChargeOnceAndQueueOneProof(backend: TestBackend) async throws {
        let fixture = try PayFixture(backend: backend)
        let session = try await fixture.openSession()
        try await fixture.withServer { client in
            let token = try await client.formToken(session.id)
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<12 {
                    group.addTask {
                        try await client.submit("/pay/\(session.id)", [("csrf", token), ("choice", "succeed")]).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: .seeOther, count: 12), "a double click lands on the success URL too")
            #expect(try await fixture.chargeCount(session.id) == 1)
            #expect(try await fixture.jobs("proof.issue").count == 1)
        }
    }
}
