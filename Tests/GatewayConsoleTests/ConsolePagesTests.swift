import Foundation
import GatewayCore
import GatewayStore
import GatewayTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Opencharge
import Testing

/// What operators see and do: every page renders, hostile text stays text, bulk actions cover the whole filter, and
/// every action lands in the audit log.
struct ConsolePagesTests {
    static let hostile = "<script>alert('x')</script><img src=x onerror=alert(1)>"

    @Test(arguments: TestBackend.allCases)
    func everyPageRenders(backend: TestBackend) async throws {
        let rig = try ConsoleRig(backend)
        try await LedgerSeed.insert([SeededEntry(mgOCID: 300, currency: "USD", amount: "4.50", createdAt: rig.time.now())], into: rig.stores)
        let session = try await rig.stores.sessions.list(SessionFilter(limit: 1))[0].session
        try await rig.deadJobs(2)
        try await rig.run { browser in
            try await browser.logIn()
            let pages = [
                ("/", "<h1>Overview</h1>"), ("/jobs", "<h1>Jobs</h1>"), ("/jobs/1", "Job 1"),
                ("/sessions", "<h1>Sessions</h1>"), ("/sessions/\(session.id)", "Timeline"),
                ("/mgs", "<h1>Merchant Gateways</h1>"), ("/settlement", "<h1>Settlement</h1>"),
                ("/audit", "<h1>Audit log</h1>"),
            ]
            for (path, heading) in pages {
                let page = try await browser.get(path)
                #expect(page.status == .ok, "\(path)")
                #expect(page.text.contains(heading), "\(path)")
                #expect(page.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true, "\(path)")
            }
        }
    }

    @Test(arguments: TestBackend.allCases)
    func hostileTextIsEscapedEverywhere(backend: TestBackend) async throws {
        let rig = try ConsoleRig(backend)
        let order = "{\"items\":[{\"name\":\"\(Self.hostile.replacingOccurrences(of: "'", with: "\\u0027"))\"}]}"
        let session = try await rig.session(id: "cs_hostile", merchantName: Self.hostile, orderJSON: order)
        try await rig.deadJobs(1, error: Self.hostile, body: "<html><body onload=alert(1)>" + Self.hostile + "</body></html>")
        try await rig.run { browser in
            try await browser.logIn()
            for path in ["/sessions", "/sessions/\(session.id)", "/jobs", "/jobs/1", "/jobs?error=%3Cscript%3E"] {
                let page = try await browser.get(path)
                #expect(page.status == .ok, "\(path)")
                #expect(!page.text.contains("<script"), "\(path) has a raw script tag")
                #expect(!page.text.contains("<img"), "\(path) has a raw img tag")
                #expect(!page.text.contains("<body onload"), "\(path) has the MG's markup")
                #expect(page.text.contains("&lt;script&gt;"), "\(path) shows the text escaped")
            }
            // The gateway's own name is escaped in the header too.
            #expect(try await browser.get("/").text.contains("Test &lt;Gateway&gt;"))
        }
    }

    @Test(arguments: TestBackend.allCases)
    func bulkRetryCoversEveryMatchingJobNotOnlyThePage(backend: TestBackend) async throws {
        let rig = try ConsoleRig(backend)
        try await rig.deadJobs(120, mg: 300)
        try await rig.deadJobs(7, mg: 301)
        try await rig.run { browser in
            try await browser.logIn()
            let listing = try await browser.get("/jobs?state=dead&mg=300")
            #expect(listing.text.components(separatedBy: "<tr><td class=\"num\"><a href=\"/jobs/").count - 1 == 50)
            #expect(listing.text.contains("Older jobs"))
            let confirm = try await browser.get("/jobs/bulk?action=retry&state=dead&mg=300")
            #expect(confirm.text.contains("120 jobs match"))
            let done = try await browser.post("/jobs/bulk", ["action": "retry", "state": "dead", "mg": "300"])
            #expect(done.status == .seeOther)
            let after = try await browser.get(done.location ?? "/jobs")
            #expect(after.text.contains("120 jobs requeued"))
        }
        #expect(try await rig.stores.jobs.count(matching: JobFilter(state: .queued, mgOCID: 300)) == 120)
        #expect(try await rig.stores.jobs.count(matching: JobFilter(state: .dead, mgOCID: 301)) == 7)
        let audit = try await rig.stores.audit.entries(beforeID: nil, limit: 1)[0]
        #expect(audit.action == "jobs.retry")
        #expect(audit.target == "state=dead mg=300")
        #expect(audit.outcome == "120 jobs requeued")
    }

    @Test(arguments: TestBackend.allCases)
    func pagesFollowOneAnotherWithoutGapsOrRepeats(backend: TestBackend) async throws {
        let rig = try ConsoleRig(backend)
        let ids = try await rig.deadJobs(130)
        try await rig.run { browser in
            try await browser.logIn()
            var seen: [Int64] = []
            var path: String? = "/jobs?state=dead"
            while let next = path {
                let page = try await browser.get(next).text
                seen += page.components(separatedBy: "<tr><td class=\"num\"><a href=\"/jobs/").dropFirst()
                    .compactMap { Int64($0.prefix { $0.isNumber }) }
                path = page.range(of: "<a href=\"/jobs?").map { range in
                    "/jobs?" + page[range.upperBound...].prefix { $0 != "\"" }.replacingOccurrences(of: "&amp;", with: "&")
                }
                if seen.count > 200 { break }
            }
            #expect(seen == ids.sorted(by: >))
        }
    }

    @Test(arguments: TestBackend.allCases)
    func everyActionIsAudited(backend: TestBackend) async throws {
        let rig = try ConsoleRig(backend)
        try await LedgerSeed.insert([SeededEntry(mgOCID: 300, currency: "USD", amount: "4.50", createdAt: rig.time.now())], into: rig.stores)
        let session = try await rig.stores.sessions.list(SessionFilter(limit: 1))[0].session
        try await rig.stores.partners.add(
            Partner(ocid: 300, name: "MG", publicKey: "02" + String(repeating: "ab", count: 32), endpoint: "https://mg.example",
                status: .enabled, addedAt: rig.time.now()))
        let dead = try await rig.deadJobs(1)[0]
        let queued = try await rig.stores.jobs.enqueue(NewJob(kind: "payment.poll")).id
        try await rig.run { browser in
            try await browser.logIn()
            try await browser.get("/")
            for path in [
                "/jobs/\(dead)/retry", "/jobs/\(queued)/cancel", "/drain", "/resume", "/sessions/\(session.id)/redeliver",
                "/mgs/300/disable", "/mgs/300/enable", "/jobs/\(queued)/cancel",
            ] {
                #expect(try await browser.post(path).status == .seeOther, "\(path)")
            }
            let audit = try await browser.get("/audit")
            #expect(audit.text.contains("proof.redeliver"))
        }
        let audit = try await rig.stores.audit.entries(beforeID: nil, limit: 20).reversed()
        #expect(audit.map(\.action) == [
            "login", "job.retry", "job.cancel", "drain", "resume", "proof.redeliver", "partner.disable",
            "partner.enable", "job.cancel",
        ])
        #expect(audit.allSatisfy { !$0.client.isEmpty })
        // The second cancel found the job cancelled already: refused, and audited as such.
        #expect(audit.last?.outcome.hasPrefix("refused: ") == true)
        #expect(try await rig.stores.jobs.show(id: dead)?.job.state == .queued)
        #expect(try await rig.stores.partners.partner(300)?.status == .enabled)
        #expect(try await rig.stores.jobs.isDraining() == false)
    }

    @Test(arguments: TestBackend.allCases)
    func statementsDownloadAsWritten(backend: TestBackend) async throws {
        let rig = try ConsoleRig(backend)
        let stores = rig.stores
        try await LedgerSeed.insert(
            [SeededEntry(mgOCID: 300, currency: "USD", amount: "4.50", createdAt: rig.time.now().addingTimeInterval(-7200))],
            into: stores)
        let identity = GatewayIdentity(ocid: 200, name: "PG", key: .generate(), publicURL: "https://pg.example", currencies: ["USD"])
        let outcome = try await stores.settlement.settle(
            mgOCID: 300, currency: "USD", scope: SettlementScope(cutOff: rig.time.now(), requireAccepted: false), now: rig.time.now(),
            build: { group in try StatementDocument.make(group, cutOff: rig.time.now(), identity: identity, now: rig.time.now()) },
            notifyJob: { _ in nil })
        guard case .created(let statement) = outcome else {
            Issue.record("no statement: \(outcome)")
            return
        }
        try await rig.run { browser in
            try await browser.logIn()
            let page = try await browser.get("/settlement")
            #expect(page.text.contains(statement.id))
            let json = try await browser.get("/settlement/statements/\(statement.id).json")
            #expect(Array(json.body.readableBytesView) == statement.signedBody)
            let csv = try await browser.get("/settlement/statements/\(statement.id).csv")
            #expect(csv.text.hasPrefix("statement_id,merchant_gateway,currency,txid,issued_at,amount"))
            #expect(try await browser.get("/settlement/statements/nope.json").status == .notFound)
        }
    }
}
