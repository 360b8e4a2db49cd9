import Foundation
import GatewayStore
import GatewayStorePostgres
import GatewayTestSupport
import Logging
import Opencharge
import Testing

/// `ocgate store copy` moving a seeded SQLite spool up to a fresh PostgreSQL database of the test server, then the
/// copy read back through the PostgreSQL stores. Fails (never skips) without `OCGATE_TEST_POSTGRES_URL`.
@Suite(.serialized) struct StoreCopyCommandTests {
    /// What the spool holds once seeded: the ids a test checks on the other side.
    struct Seeded {
        let paidSession: String
        let txid: String
        let deadJob: Int64
        let maxJobID: Int64
        let statements: [String]
    }

    /// Seeds through the store contracts (and `ocgate settle`) what a running gateway would have written: paid
    /// sessions with proofs, ledger entries and delivery attempts, a pending one, a dead job, two statements, a
    /// partner, a nonce, a peer document and a paused breaker.
    static func seed(_ spool: SpoolFixture) async throws -> Seeded {
        let stores = spool.stores
        let (cutOffSeconds, now) = (Int64(Date().timeIntervalSince1970) - 1, Date())
        let cutOff = Date(timeIntervalSince1970: TimeInterval(cutOffSeconds))
        let txids = try await LedgerSeed.insert(
            [
                SeededEntry(mgOCID: 300, currency: "USD", amount: "10.25", createdAt: cutOff.addingTimeInterval(-60)),
                SeededEntry(mgOCID: 300, currency: "USD", amount: "5.5", createdAt: cutOff.addingTimeInterval(-50)),
                SeededEntry(mgOCID: 300, currency: "EUR", amount: "7.00", createdAt: cutOff.addingTimeInterval(-40)),
                // After the cut-off: stays unsettled, and its delivery is still pending.
                SeededEntry(mgOCID: 301, currency: "USD", amount: "0.01", createdAt: now.addingTimeInterval(5), deliveryState: .pending),
            ], into: stores)
        // A delivery attempt that failed and will retry, logged in the attempt history.
        for job in try await spool.queue.claim(kinds: ["seed.deliver"], limit: 10, worker: "fixture", lease: .seconds(30)) {
            _ = try await spool.queue.finish(
                job, .retry(at: now.addingTimeInterval(600), AttemptFailure(error: "HTTP 503", httpStatus: 503, responseExcerpt: "busy")))
        }
        let dead = try await spool.finished("callback.deliver", .dead(AttemptFailure(error: "HTTP 403", httpStatus: 403)))
        try await stores.partners.add(
            Partner(ocid: 300, name: "MG 300", publicKey: String(repeating: "02", count: 33), endpoint: "http://127.0.0.1:9/", status: .enabled, addedAt: now))
        try await stores.nonces.record("nonce-1", ocid: 300)
        try await stores.peerDocuments.save(StoredPeerDocument(ocid: 300, document: Array(#"{"ocid":300}"#.utf8), fetchedAt: now))
        _ = try await stores.deliveries.recordDeliveryFailure(mgOCID: 301, threshold: 1, pause: .seconds(600), now: now)

        let settled = try spool.json(["settle", "--until", String(cutOffSeconds)])
        let statements = (settled["statements"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }.sorted()
        #expect(statements.count == 2, "\(settled)")
        let maxJobID = try await spool.queue.list(JobFilter()).map(\.id).max() ?? 0
        let paid = try #require(try await stores.proofs.proof(txid: txids[0]))
        return Seeded(paidSession: paid.sessionID, txid: txids[0], deadJob: dead, maxJobID: maxJobID, statements: statements)
    }

    @Test func copyMovesEverySpoolTableToAnEmptyPostgresDatabaseAndRefusesAFullOne() async throws {
        let database = try await PostgresTestDatabase.empty()
        defer { database.drop() }
        let spool = try SpoolFixture()
        let seeded = try await Self.seed(spool)

        // Not drained: refused, saying how.
        let undrained = try spool.ocgate(["store", "copy", "--to", database.url])
        #expect(undrained.status == 1)
        #expect(undrained.stderr.contains("ocgate jobs drain"), "\(undrained.stderr)")
        #expect(undrained.stderr.split(separator: "\n").count == 1)

        try await spool.queue.setDraining(true)
        let copy = try spool.ocgate(["store", "copy", "--to", database.url, "--json"])
        #expect(copy.status == 0, "\(copy.stderr)")
        let report = try JSONParser.parse(copy.stdout)
        #expect(report["matches"] == .bool(true))
        #expect(report["target"]?.stringValue == database.configuration.location)
        var counts: [String: Int64] = [:]
        for table in report["tables"]?.arrayValue ?? [] {
            let name = try #require(table["table"]?.stringValue)
            #expect(table["sqlite"] == table["postgres"], "\(name)")
            counts[name] = table["postgres"]?.numberValue?.int64Value
        }
        #expect(counts["checkout_sessions"] == 4)
        #expect(counts["payment_charges"] == 4)
        #expect(counts["transfer_proofs"] == 4)
        #expect(counts["ledger_entries"] == 4)
        #expect(counts["settlement_statements"] == 2)
        #expect(counts["statement_entries"] == 3)
        #expect(counts["partners"] == 1)
        #expect(counts["nonces"] == 1)
        #expect(counts["peer_metadata"] == 1)
        #expect(counts["queue_flags"] == 1)
        #expect((counts["delivery_breakers"] ?? 0) >= 1)
        #expect((counts["jobs"] ?? 0) >= 13)
        #expect((counts["job_attempts"] ?? 0) >= 5)
        var totals: [String: String] = [:]
        for line in report["ledger"]?.arrayValue ?? [] {
            #expect(line["sqlite"] == line["postgres"])
            let key = "\(line["mg"]?.stringValue ?? "?") \(line["currency"]?.stringValue ?? "?")"
            totals[key] = line["postgres"]?["total"]?.stringValue
        }
        #expect(totals == ["300 USD": "15.75", "300 EUR": "7.00", "301 USD": "0.01"])

        // The copy read back through the PostgreSQL stores.
        let postgres = try PostgresBackend.open(database.configuration)
        let stores = postgres.stores
        try await withServices(postgres.services) {
            #expect(try await stores.sessions.session(id: seeded.paidSession) == (try await spool.stores.sessions.session(id: seeded.paidSession)))
            #expect(try await stores.proofs.proof(txid: seeded.txid) == (try await spool.stores.proofs.proof(txid: seeded.txid)))
            #expect(try await stores.settlement.statements().map(\.id).sorted() == seeded.statements)
            #expect(try await stores.settlement.totals() == (try await spool.stores.settlement.totals()))
            #expect(try await stores.jobs.isDraining())
            let fresh = try await stores.jobs.enqueue(NewJob(kind: "after.copy")).id
            #expect(fresh > seeded.maxJobID)
        }

        // `jobs show` of the dead job, on the PostgreSQL backend, with its attempts.
        let onPostgres = spool.environment.merging(
            ["OCGATE_STORE_BACKEND": "postgres", "OCGATE_STORE_POSTGRES_URL": database.url]) { $1 }
        let shown = try OCGateProcess.run(["jobs", "show", "\(seeded.deadJob)", "--json", "--config", spool.config], environment: onPostgres)
        #expect(shown.status == 0, "\(shown.stderr)")
        let detail = try JSONParser.parse(shown.stdout)
        #expect(detail["state"]?.stringValue == "dead", "\(shown.stdout)")
        #expect(detail["attempts"]?.arrayValue?.count == 1)
        #expect(detail["attempts"]?.arrayValue?.first?["http_status"]?.numberValue?.int64Value == 403)

        // Again into the same database, named by store.postgres_url this time: refused, one line, nothing printed.
        let again = try OCGateProcess.run(
            ["store", "copy", "--config", spool.config],
            environment: spool.environment.merging(["OCGATE_STORE_POSTGRES_URL": database.url]) { $1 })
        #expect(again.status == 1)
        #expect(again.stderr.contains("is not empty"), "\(again.stderr)")
        #expect(again.stderr.split(separator: "\n").count == 1)
        #expect(again.stdout.isEmpty)
    }

    /// A drained spool whose job still holds a live lease (a worker not yet stopped) is refused before the target is
    /// touched, naming the job.
    @Test func aRunningJobWithALiveLeaseIsRefused() async throws {
        let spool = try SpoolFixture()
        let id = try await spool.enqueue("callback.deliver")
        _ = try await spool.queue.claim(kinds: ["callback.deliver"], limit: 1, worker: "still-running", lease: .seconds(300))
        try await spool.queue.setDraining(true)
        let result = try spool.ocgate(["store", "copy", "--to", "postgres://nobody@127.0.0.1:1/none?sslmode=disable"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("1 running jobs (\(id))"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    /// The copy's connections (its migration, its transaction) verify the server as the URL says: refused in one
    /// line with a root that did not sign its certificate, done with the one that did.
    @Test func copyVerifiesTheTargetWithTheGivenRoot() async throws {
        let database = try await PostgresTestDatabase.empty()
        defer { database.drop() }
        let (ca, other) = try TestPostgresServer.certificateAuthorities()
        let spool = try SpoolFixture()
        try await spool.queue.setDraining(true)

        let refused = try spool.ocgate(["store", "copy", "--to", database.url(verifyingWith: other)])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("TLS handshake failed (sslmode=verify-full sslrootcert=\(other))"), "\(refused.stderr)")
        #expect(refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")

        let copy = try spool.ocgate(["store", "copy", "--to", database.url(verifyingWith: ca), "--json"])
        #expect(copy.status == 0, "\(copy.stderr)")
        #expect(try JSONParser.parse(copy.stdout)["matches"] == .bool(true))
    }

    @Test func aWrongTargetIsOneLineWithoutThePassword() async throws {
        let spool = try SpoolFixture()
        try await spool.queue.setDraining(true)
        for url in [
            "postgres://copier:s3cret-pw@127.0.0.1:1/nowhere?sslmode=disable",
            "postgres://copier:s3cret-pw@127.0.0.1:1/nowhere?sslmode=require",
            "postgres://copier:s3cret-pw@127.0.0.1:1/nowhere?sslmode=prefer",
            "mysql://copier:s3cret-pw@127.0.0.1/db",
        ] {
            let result = try spool.ocgate(["store", "copy", "--to", url])
            #expect(result.status == 1, "\(url): \(result.stderr)")
            #expect(result.stderr.hasPrefix("Error: "), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(!result.stderr.contains("s3cret-pw") && !result.stdout.contains("s3cret-pw"))
        }
    }
}
