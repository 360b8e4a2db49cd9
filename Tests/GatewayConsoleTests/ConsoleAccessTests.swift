import Foundation
import GatewayStore
import GatewayTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Who gets in: the token, the cookie, the throttle, and the CSRF token on every POST.
struct ConsoleAccessTests {
    /// Every state-changing route, with the fields it needs besides the CSRF token.
    static let posts: [(path: String, fields: [String: String])] = [
        ("/drain", [:]), ("/resume", [:]), ("/jobs/1/retry", [:]), ("/jobs/1/cancel", [:]),
        ("/jobs/bulk", ["action": "retry", "state": "dead"]), ("/sessions/cs_1/redeliver", [:]),
        ("/mgs/300/disable", [:]), ("/mgs/300/enable", [:]), ("/logout", [:]),
    ]

    @Test(arguments: TestBackend.allCases)
    func withoutALoginPagesGoToTheFormAndFormsAreRefused(backend: TestBackend) async throws {
        let rig = try ConsoleRig(backend)
        try await rig.run { browser in
            for path in ["/", "/jobs", "/jobs/1", "/sessions", "/mgs", "/settlement", "/audit"] {
                let page = try await browser.get(path)
                #expect(page.status == .seeOther, "\(path)")
                #expect(page.location == "/login", "\(path)")
            }
            let drain = try await browser.post("/drain", accept: "application/json")
            #expect(drain.status == .unauthorized)
            #expect(drain.text.contains("\"code\":\"UNAUTHORIZED\""))
            #expect(try await rig.stores.jobs.isDraining() == false)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func aWrongTokenIsRefusedAndAudited(backend: TestBackend) async throws {
        let rig = try ConsoleRig(backend)
        try await rig.run { browser in
            let answer = try await browser.logIn(token: "not-the-operator-token")
            #expect(answer.status == .unauthorized)
            #expect(answer.text.contains("That token is not the operator token."))
            #expect(browser.cookies["ocgate_console"] == nil)
            #expect(try await browser.get("/").location == "/login")
        }
        let audit = try await rig.stores.audit.entries(beforeID: nil, limit: 10)
        #expect(audit.map(\.action) == ["login"])
        #expect(audit.first?.outcome == "wrong token")
    }

    @Test(arguments: TestBackend.allCases)
    func theRightTokenLogsInWithAStrictHttpOnlyCookie(backend: TestBackend) async throws {
        let rig = try ConsoleRig(backend)
        try await rig.run { browser in
            let answer = try await browser.logIn()
            #expect(answer.status == .seeOther)
            let cookie = answer.headers[values: .setCookie].first { $0.hasPrefix("ocgate_console=") } ?? ""
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Strict"))
            #expect(!cookie.contains("Secure"), "the rig's public URL is not https")
            let overview = try await browser.get("/")
            #expect(overview.status == .ok)
            #expect(overview.text.contains("<h1>Overview</h1>"))
            let policy = overview.headers[.contentSecurityPolicy] ?? ""
            #expect(policy.hasPrefix("default-src 'none'"))
            #expect(policy.contains("frame-ancestors 'none'"))
            #expect(!policy.contains("script-src"), "the pages run no script")
        }
    }

    @Test func behindHTTPSTheCookieIsSecure() async throws {
        let rig = try ConsoleRig(.sqlite, secureCookie: true)
        try await rig.run { browser in
            let answer = try await browser.logIn()
            let cookie = answer.headers[values: .setCookie].first { $0.hasPrefix("ocgate_console=") } ?? ""
            #expect(cookie.contains("Secure"))
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
        }
    }

    @Test(arguments: TestBackend.allCases)
    func afterTooManyWrongTokensEvenTheRightOneWaits(backend: TestBackend) async throws {
        let rig = try ConsoleRig(backend, loginAttempts: 3)
        try await rig.run { browser in
            for _ in 0..<3 { #expect(try await browser.logIn(token: "wrong-token-wrong-token").status == .unauthorized) }
            let throttled = try await browser.logIn()
            #expect(throttled.status == .tooManyRequests)
            #expect(Int(throttled.headers[.retryAfter] ?? "") ?? 0 > 0)
            #expect(browser.cookies["ocgate_console"] == nil)
            rig.time.advance(by: .seconds(61))
            #expect(try await browser.logIn().status == .seeOther)
            #expect(try await browser.get("/").status == .ok)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func anExpiredLoginGoesBackToTheForm(backend: TestBackend) async throws {
        let rig = try ConsoleRig(backend, sessionTTL: .seconds(600))
        try await rig.run { browser in
            try await browser.logIn()
            #expect(try await browser.get("/").status == .ok)
            rig.time.advance(by: .seconds(601))
            #expect(try await browser.get("/jobs").location == "/login")
            #expect(try await browser.post("/drain").status == .unauthorized)
            #expect(try await rig.stores.jobs.isDraining() == false)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func everyPostNeedsTheLoginsCSRFToken(backend: TestBackend) async throws {
        let rig = try ConsoleRig(backend)
        try await rig.session(id: "cs_1")
        try await rig.stores.partners.add(
            Partner(ocid: 300, name: "MG", publicKey: "02" + String(repeating: "ab", count: 32), endpoint: "https://mg.example",
                status: .enabled, addedAt: rig.time.now()))
        let dead = try await rig.deadJobs(1)
        #expect(dead == [1])
        try await rig.run { browser in
            try await browser.logIn()
            for (path, fields) in Self.posts {
                let missing = try await browser.post(path, fields, csrf: .some(nil))
                #expect(missing.status == .forbidden, "\(path) without a token")
                let wrong = try await browser.post(path, fields, csrf: "0123abcd")
                #expect(wrong.status == .forbidden, "\(path) with a wrong token")
                #expect(wrong.text.contains("this form is no longer valid"))
            }
            // Nothing changed, and the login still works.
            #expect(try await browser.get("/").status == .ok)
        }
        #expect(try await rig.stores.jobs.isDraining() == false)
        #expect(try await rig.stores.jobs.show(id: 1)?.job.state == .dead)
        #expect(try await rig.stores.partners.partner(300)?.status == .enabled)
        #expect(try await rig.stores.audit.entries(beforeID: nil, limit: 50).map(\.action) == ["login"])
    }

    @Test(arguments: TestBackend.allCases)
    func theLoginFormNeedsItsOwnToken(backend: TestBackend) async throws {
        let rig = try ConsoleRig(backend)
        try await rig.run { browser in
            try await browser.get("/login")
            let forged = try await browser.post("/login", ["token": ConsoleRig.token], csrf: "forged-token")
            #expect(forged.status == .forbidden)
            browser.forgetCookies()
            let cookieless = try await browser.post("/login", ["token": ConsoleRig.token])
            #expect(cookieless.status == .forbidden, "a cross-site form has the field but not the cookie")
        }
    }

    @Test(arguments: TestBackend.allCases)
    func logoutEndsTheLogin(backend: TestBackend) async throws {
        let rig = try ConsoleRig(backend)
        try await rig.run { browser in
            try await browser.logIn()
            let cookie = browser.cookies["ocgate_console"]
            #expect(cookie != nil)
            let out = try await browser.post("/logout")
            #expect(out.location == "/login")
            #expect(browser.cookies["ocgate_console"] == nil)
            // The old cookie, replayed, is dead on the server too.
            let replay = try await browser.client.execute(
                uri: "/", method: .get, headers: [.cookie: "ocgate_console=\(cookie ?? "")"], body: nil)
            #expect(replay.location == "/login")
        }
    }
}
