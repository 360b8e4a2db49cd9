import Foundation
import GatewayCore
import GatewayStore
import GatewayTestSupport
import Opencharge
import Testing

/// Three sessions in a fresh spool: a named pending one, a processing one with a pending charge, an expired one.
private struct SeededSessions {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    let spool: SpoolFixture
    let pending: String
    let processing: String
    let expired: String
    let charge = "sbx_0123456789abcdef01234567"

    init(_ backend: TestBackend) async throws {
        spool = try await SpoolFixture(backend)
        let store = spool.stores.sessions
        pending = try await Self.store(store, mg: 300, merchant: 500, order: "ord_a", status: .pending, after: 0)
        processing = try await Self.store(store, mg: 300, merchant: 501, order: "ord_b", status: .pending, after: 100)
        expired = try await Self.store(store, mg: 301, merchant: 500, order: "ord_c", status: .expired, after: 200)
        _ = try await store.name(sessionID: pending, merchantName: "Corner Shop")
        let now = Self.start.addingTimeInterval(150)
        _ = try await spool.stores.charges.claim(
            sessionID: processing,
            for: ChargeRecord(
                reference: charge, sessionID: processing, backend: "sandbox", state: .pending,
                settlesAt: Int64(now.timeIntervalSince1970) + 10, createdAt: now),
            job: NewJob(kind: "payment.poll", uniqueKey: "payment.poll:\(charge)"), now: now)
    }

    private static func store(
        _ store: any CheckoutSessionStore, mg: UInt64, merchant: UInt64, order: String, status: SessionStatus, after seconds: Double
    ) async throws -> String {
        let created = start.addingTimeInterval(seconds)
        let id = "cs_" + String(repeating: "0", count: 31) + "\(Int(seconds) / 100)"
        let orderJSON = #"{"amount":"12.50","currency":"EUR","id":"\#(order)"}"#
        _ = try await store.create(
            CheckoutSessionRecord(
                id: id, mgOCID: mg, merchantOCID: merchant, orderID: order, orderJSON: orderJSON, orderSignature: "ab",
                requestDigest: order, amount: "12.50", currency: "EUR", successURL: "https://m.example/ok",
                cancelURL: "https://m.example/no", status: status.rawValue, createdAt: created,
                expiresAt: Int64(created.timeIntervalSince1970) + 1800),
            nonce: nil, job: SessionOpenJob(session: id).job())
        return id
    }

    func ids(_ arguments: [String]) throws -> [String] {
        let listed = try spool.json(["sessions", "list"] + arguments)["sessions"]?.arrayValue ?? []
        return listed.compactMap { $0["id"]?.stringValue }
    }
}

struct SessionsCommandTests {
    @Test(arguments: TestBackend.allCases)
    func listFiltersByStatusGatewayMerchantTimeAndLimit(backend: TestBackend) async throws {
        let seeded = try await SeededSessions(backend)
        let (pending, processing, expired) = (seeded.pending, seeded.processing, seeded.expired)

        let text = try seeded.spool.ocgate(["sessions", "list"])
        #expect(text.status == 0)
        let lines = text.stdout.split(separator: "\n")
        #expect(lines.map { String($0.split(separator: "\t")[0]) } == [expired, processing, pending])
        #expect(lines.last?.hasSuffix("\tCorner Shop") == true)

        #expect(try seeded.ids([]) == [expired, processing, pending])
        #expect(try seeded.ids(["--status", "processing"]) == [processing])
        #expect(try seeded.ids(["--mg", "301"]) == [expired])
        #expect(try seeded.ids(["--merchant", "500"]) == [expired, pending])
        #expect(try seeded.ids(["--since", "1800000100"]) == [expired, processing])
        #expect(try seeded.ids(["--until", "2027-01-15T08:01:40Z"]) == [pending])
        #expect(try seeded.ids(["--limit", "1"]) == [expired])
        #expect(try seeded.ids(["--status", "completed"]).isEmpty)

        let named = try seeded.spool.json(["sessions", "list", "--status", "pending"])["sessions"]?.arrayValue?.first
        #expect(named?["merchant_name"]?.stringValue == "Corner Shop")
        #expect(named?["amount"]?.stringValue == "12.50")
        #expect(named?["mg_ocid"]?.numberValue?.uint64Value == 300)

        let badStatus = try seeded.spool.ocgate(["sessions", "list", "--status", "paid"])
        #expect(badStatus.status == 2)
        #expect(badStatus.stderr.contains("paid"))
    }

    @Test(arguments: TestBackend.allCases)
    func showPrintsTheOrderChargesAndJobsAndNamesAnUnknownID(backend: TestBackend) async throws {
        let seeded = try await SeededSessions(backend)
        let id = seeded.processing

        let json = try seeded.spool.json(["sessions", "show", id])
        #expect(json["status"]?.stringValue == "processing")
        #expect(json["charge_reference"]?.stringValue == seeded.charge)
        #expect(json["order"]?["id"]?.stringValue == "ord_b")
        #expect(json["order"]?["amount"]?.stringValue == "12.50")
        let charges = json["charges"]?.arrayValue ?? []
        #expect(charges.map { $0["reference"]?.stringValue } == [seeded.charge])
        #expect(charges.first?["state"]?.stringValue == "pending")
        let jobs = json["jobs"]?.arrayValue ?? []
        #expect(jobs.map { $0["unique_key"]?.stringValue } == ["session.open:\(id)", "payment.poll:\(seeded.charge)"])

        // Another session's jobs do not leak in.
        let other = try seeded.spool.json(["sessions", "show", seeded.pending])["jobs"]?.arrayValue ?? []
        #expect(other.map { $0["unique_key"]?.stringValue } == ["session.open:\(seeded.pending)"])

        let text = try seeded.spool.ocgate(["sessions", "show", id])
        #expect(text.status == 0)
        #expect(text.stdout.contains(#"order: {"amount":"12.50","currency":"EUR","id":"ord_b"}"#))
        #expect(text.stdout.contains("charges: 1"))
        #expect(text.stdout.contains("\(seeded.charge) pending via sandbox"))
        #expect(text.stdout.contains("jobs: 2"))

        let missing = try seeded.spool.ocgate(["sessions", "show", "cs_missing"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("session cs_missing does not exist"))
        #expect(missing.stdout.isEmpty)
    }
}
