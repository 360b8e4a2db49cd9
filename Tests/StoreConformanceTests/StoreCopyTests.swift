import Foundation
import GatewayStore
import GatewayStorePostgres
import ServiceLifecycle
import Testing

/// The seam of `ocgate store copy`: a SQLite store's snapshot, copied into an empty PostgreSQL database in batches
/// smaller than its tables, reads back the same through the contracts, and the generated ids go on past the copied
/// ones. Fails (never skips) without `OCGATE_TEST_POSTGRES_URL`.
@Suite("StoreCopy", .serialized)
struct StoreCopyTests {
    @Test func aSQLiteStoreCopiedToPostgresReadsTheSameThroughTheContracts() async throws {
        let source = try StoreFixture(.sqlite)
        var proofs: [StoredProof] = []
        for index in 0..<12 {
            let proof = try await source.provenSession(
                mg: index % 3 == 0 ? Seed.otherMG : Seed.mg, amount: "\(index).\(index % 10)5",
                currency: index % 2 == 0 ? "EUR" : "USD")
            proofs.append(proof)
            source.clock.advance(by: .seconds(1))
        }
        for proof in proofs.prefix(8) {
            try await source.deliveries.recordDelivery(of: proof, state: .accepted, at: source.now)
        }
        let settled = try await source.settle("st_copy", cutOff: source.now)
        guard case .created(let statement) = settled else { Issue.record("settling: \(settled)"); return }
        #expect(statement.entryCount == 4)
        for job in try await source.jobs.claim(kinds: ["session.open"], limit: 5, worker: "w", lease: .seconds(30)) {
            _ = try await source.jobs.finish(job, .retry(at: source.now, AttemptFailure(error: "later", httpStatus: 503)))
        }
        try await source.jobs.setDraining(true)
        var audited: [AuditEntry] = []
        for action in ["drain", "job.retry", "proof.redeliver"] {
            audited.append(try await source.audit.record(NewAuditEntry(
                at: source.now, action: action, target: "t", client: "127.0.0.1", outcome: "done")))
        }

        let database = try await PostgresTestDatabase.empty()
        defer { database.drop() }
        let target = PostgresCopyTarget(database.configuration)
        let takeSnapshot = try #require(source.snapshot)
        let snapshot = try takeSnapshot()
        try await target.load(from: snapshot, batchSize: 7)
        let counted = try await snapshot.census()
        #expect(try await target.census() == counted)
        // Analyzed once copied: the planner sizes the tables as they are, not as the empty ones it saw before.
        #expect(try PostgresAdmin.plannedRows(of: "checkout_sessions", on: database.configuration, logger: database.logger) == 12)
        #expect(counted.rows["checkout_sessions"] == 12)
        #expect(counted.rows["job_attempts"] == 5)
        #expect(counted.rows["audit_log"] == 3)
        #expect(counted.ledger.count == 4)
        #expect(counted.ledger.map(\.entries).reduce(0, +) == 12)

        let postgres = try PostgresBackend.open(database.configuration, time: source.clock)
        let pool = Task {
            try await withThrowingDiscardingTaskGroup { group in
                for service in postgres.services { group.addTask { try await service.run() } }
            }
        }
        defer { pool.cancel() }
        let copied = postgres.stores
        for proof in proofs {
            #expect(try await copied.proofs.proof(txid: proof.txid) == (try await source.proofs.proof(txid: proof.txid)))
            #expect(try await copied.proofs.ledgerEntry(txid: proof.txid) == (try await source.proofs.ledgerEntry(txid: proof.txid)))
            #expect(try await copied.sessions.session(id: proof.sessionID) == (try await source.sessions.session(id: proof.sessionID)))
        }
        #expect(try await copied.settlement.statements() == (try await source.settlement.statements()))
        #expect(try await copied.settlement.entries(statementID: "st_copy") == (try await source.settlement.entries(statementID: "st_copy")))
        let jobs = try await source.jobs.list(JobFilter()).sorted { $0.id < $1.id }
        #expect(try await copied.jobs.list(JobFilter()).sorted { $0.id < $1.id } == jobs)
        for job in jobs.prefix(3) {
            #expect(try await copied.jobs.show(id: job.id) == (try await source.jobs.show(id: job.id)))
        }
        #expect(try await copied.jobs.isDraining())
        #expect(try await copied.audit.entries(beforeID: nil, limit: 10) == audited.reversed())
        let audit = try await copied.audit.record(NewAuditEntry(
            at: source.now, action: "resume", target: "", client: "127.0.0.1", outcome: "done"))
        #expect(audit.id > (audited.map(\.id).max() ?? 0), "audit ids continue after the copied ones")

        // New ids continue after the copied ones: a job, and an attempt (whose id the contracts do not show, but a
        // reused one would collide with a copied attempt's key).
        let fresh = try await copied.jobs.enqueue(NewJob(kind: "after.copy")).id
        #expect(fresh > (jobs.map(\.id).max() ?? 0))
        let claimed = try await copied.jobs.claim(kinds: ["after.copy"], limit: 1, worker: "w", lease: .seconds(30))
        #expect(claimed.count == 1)
        for job in claimed { #expect(try await copied.jobs.finish(job, .succeeded(note: nil))) }
        #expect(try await copied.jobs.show(id: fresh)?.attempts.count == 1)

        // A second copy into it is refused, and changes nothing.
        do {
            try await target.load(from: snapshot, batchSize: 7)
            Issue.record("a second copy into the same database was not refused")
        } catch let StoreCopyError.targetNotEmpty(location, tables) {
            #expect(location == database.configuration.location)
            #expect(Set(["jobs", "checkout_sessions", "ledger_entries", "queue_flags"]).isSubset(of: tables), "\(tables)")
        }
        #expect(try await target.census().rows["jobs"] == counted.rows["jobs"].map { $0 + 1 })
    }
}
