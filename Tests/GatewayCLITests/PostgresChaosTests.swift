import Foundation
import GatewayCore
import GatewayOutbound
import GatewaySimulator
import GatewayTestSupport
import Opencharge
import Testing

/// Issue 17, multi-process: two `ocgate serve --no-workers` acceptors and two `ocgate work` processes on one
/// PostgreSQL database over TCP, under a load of checkouts and payments spread over both acceptors, while a worker is
/// killed with SIGKILL mid-delivery, another is stopped past its lease and let go again, the workers' database
/// connections are terminated, and the server is restarted in immediate mode. Afterwards the database (read with
/// `psql`) and the simulated MG must show each paid session proved, credited and delivered exactly as if nothing had
/// happened, and two racing `ocgate settle` runs must settle every ledger entry once.
///
/// The server is a cluster of this test's own (`ThrowawayPostgresCluster`): restarting the shared test cluster would
/// fail every test running beside this one.
@Suite(.serialized) struct PostgresChaosTests {
    @Test func acceptorsAndWorkersSurviveKillsStallsCutConnectionsAndARestart() async throws {
        let cluster = try await ThrowawayPostgresCluster.start()
        defer { cluster.stop() }
        let database = try await PostgresSpoolDatabase.make(server: cluster.url)
        let sql = { (query: String) in try await cluster.query(query, database: database.name) }
        // The test clusters run with synchronous_commit off, which acknowledges a commit before its WAL is written:
        // fine while the server never crashes, but an immediate restart would lose answered checkouts. This database
        // commits as a production one does (fsync stays off: the server crashes here, the machine does not).
        _ = try await sql("ALTER DATABASE \(database.name) SET synchronous_commit = on")
        var flow = try await FlowFixture.make(database: database)
        defer { flow.webhook.stop() }
        // Hung and refused deliveries are the point here: the breaker must not pause the retries for a minute.
        flow.environment["OCGATE_DELIVERY_BREAKER_THRESHOLD"] = "100000"

        // Every process logs to a file of its own in the spool's directory, kept for a failure's post-mortem.
        let logs = { (name: String) throws -> FileHandle in
            let file = flow.directory.appendingPathComponent("\(name).log")
            _ = FileManager.default.createFile(atPath: file.path, contents: nil)
            return try FileHandle(forWritingTo: file)
        }
        flow.environment["OCGATE_LOG_LEVEL"] = "warning"
        print("PostgresChaosTests: the processes' logs are in \(flow.directory.path)")
        let secondPort = closedLoopbackPort()
        let acceptors = [
            try await flow.serve(workers: false, standardError: try logs("acceptor-1")),
            try await flow.serve(workers: false, port: secondPort, standardError: try logs("acceptor-2")),
        ]
        // On the way out of a failed test; on success each has ended already (the last check ends them by SIGTERM).
        defer { acceptors.forEach(FlowFixture.killNine) }
        let bases = [flow.base, "http://127.0.0.1:\(secondPort)"]
        let killed = try flow.work(standardError: try logs("killed-worker"))
        defer { FlowFixture.killNine(killed) }
        // The worker that is stopped logs its attempts' outcomes (at warning), so the test sees its late completions.
        let stalledLog = flow.directory.appendingPathComponent("stalled-worker.log")
        let stalled = try flow.work(standardError: try logs("stalled-worker"))
        defer { FlowFixture.killNine(stalled) }

        // Payments and deliveries flowing through both acceptors.
        let load = ChaosLoad(flow: flow, bases: bases)
        let loading = Task { await load.run() }
        defer { load.stop() }
        try await awaitEvent("payments answered by both acceptors and proofs accepted by the MG") {
            load.paidCount(via: 0) >= 5 && load.paidCount(via: 1) >= 5 && flow.webhook.acceptedBodies.count >= 10
        }

        // One signed request, the same bytes (and nonce) sent to both acceptors at once: exactly one stores it.
        var raced: [String] = []
        for race in 0..<5 {
            let orderID = "ord_chaos_race_\(race)"
            let request = flow.checkoutRequest(orderID: orderID, to: bases[0])
            var twin = request
            twin.url = bases[1] + "/checkout/create"
            let client = flow.client
            async let first = client.send(request)
            async let second = client.send(twin)
            let answers = try await [first, second]
            #expect(answers.map(\.status).sorted() == [200, 401], "race \(race): \(answers.map(\.status))")
            if let refused = answers.first(where: { $0.status == 401 }) {
                let code = (try? JSONParser.parse(refused.body))?["error"]?["code"]?.stringValue
                #expect(code == ErrorCode.nonceReused.rawValue, "race \(race): \(String(decoding: refused.body, as: UTF8.self))")
            }
            if let stored = answers.first(where: { $0.status == 200 }) {
                load.record(
                    ChaosLoad.Created(
                        sessionID: try CheckoutCreateResponse(json: try JSONParser.parse(stored.body)).sessionID,
                        nonce: request.headers.first { $0.name == OCHeader.nonce }?.value ?? "", acceptor: -1))
            }
            raced.append(orderID)
        }

        // 1. kill -9 of a worker between proof issue and delivery, and 2. SIGSTOP of the other past its lease: the MG
        // hangs, so both workers hold deliveries whose proofs are issued and not yet accepted.
        flow.webhook.inject(.hang(.seconds(120)))
        let (killedWorker, stalledWorker) = (":\(killed.processIdentifier):", ":\(stalled.processIdentifier):")
        try await awaitEvent("both workers holding deliveries in flight") {
            let holders = try await sql("SELECT worker FROM jobs WHERE state = 'running' AND kind = 'callback.deliver'").map { $0[0] }
            return holders.contains { $0.contains(killedWorker) } && holders.contains { $0.contains(stalledWorker) }
        }
        FlowFixture.killNine(killed)
        #expect(killed.terminationReason == .uncaughtSignal)
        kill(stalled.processIdentifier, SIGSTOP)
        let replacement = try flow.work(standardError: try logs("replacement-worker"))
        defer { FlowFixture.killNine(replacement) }
        // What the stopped worker holds: (job, attempt, worker). Its lease lapses 30 s after its last heartbeat.
        let held = try await sql(
            "SELECT id, attempt, worker FROM jobs WHERE state = 'running' AND worker LIKE '%\(stalledWorker)%' ORDER BY id")
        #expect(!held.isEmpty, "the stopped worker held no job")
        let heldValues = held.map { "(\($0[0])::bigint, \($0[1])::bigint, '\($0[2])')" }.joined(separator: ", ")
        flow.webhook.inject(nil)
        // Another worker takes each of its jobs over once the lease lapsed, and delivers it.
        try await awaitEvent("another worker delivered every job the stopped worker held", limit: .seconds(150)) {
            let taken = try await sql("""
                WITH held(id, attempt, worker) AS (VALUES \(heldValues))
                SELECT count(DISTINCT h.id) FROM held h JOIN job_attempts a ON a.job_id = h.id
                WHERE a.outcome = 'succeeded' AND a.worker <> h.worker
                """)
            return Int(taken.first?.first ?? "") == held.count
        }
        kill(stalled.processIdentifier, SIGCONT)
        // Its attempts end late (the MG never answered them) and their outcomes are refused by the lease fence.
        try await awaitEvent("the stopped worker's late outcomes, refused as lease_lost") {
            let log = (try? String(contentsOf: stalledLog, encoding: .utf8)) ?? ""
            return log.split(separator: "\n").filter { $0.contains("lease_lost") }.count >= held.count
        }
        let afterLateCompletion = try await sql("""
            WITH held(id, attempt, worker) AS (VALUES \(heldValues))
            SELECT h.id, j.state,
                   count(a.id) FILTER (WHERE a.outcome = 'lease_lost'), count(a.id) FILTER (WHERE a.outcome <> 'lease_lost')
            FROM held h JOIN jobs j ON j.id = h.id
            LEFT JOIN job_attempts a ON a.job_id = h.id AND a.attempt = h.attempt AND a.worker = h.worker
            GROUP BY h.id, j.state ORDER BY h.id
            """)
        for row in afterLateCompletion {
            // Still delivered; the stopped worker's attempt is logged once, by the rescue, and nothing it wrote late.
            #expect(row[1...] == ["succeeded", "1", "0"], "job \(row[0]) after the stopped worker's late completion: \(row)")
        }

        // 3. The workers' database connections terminated under load.
        let workers = [replacement.processIdentifier, stalled.processIdentifier]
        try await survive("pg_terminate_backend", workers: workers, cluster: cluster, flow: flow, load: load, sql: sql) {
            let ports = try await cluster.connections(of: workers).keys.map(String.init).joined(separator: ", ")
            let terminated = try await sql("""
                SELECT application_name, pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE client_port IN (\(ports)) AND datname = current_database()
                """)
            #expect(terminated.filter { $0 == ["ocgate-listener", "t"] }.count == 2, "terminated: \(terminated)")
        }
        // 4. PostgreSQL restarted in immediate mode (a crash, for its clients) under load.
        try await survive("the restart", workers: workers, cluster: cluster, flow: flow, load: load, sql: sql) {
            try await cluster.restartImmediately()
        }
        load.stop()
        await loading.value
        flow.webhook.inject(nil)

        // Afterwards, in SQL: every paid session (a charge claimed it) proved, credited and delivered.
        try await awaitEvent("every proof accepted", limit: .seconds(150)) {
            let counts = try await sql("""
                SELECT (SELECT count(*) FROM checkout_sessions WHERE status IN ('processing', 'completed')),
                       (SELECT count(*) FROM transfer_proofs WHERE delivery_state = 'accepted'),
                       (SELECT count(*) FROM transfer_proofs)
                """)
            guard let row = counts.first, row[0] == row[1], row[1] == row[2] else { return false }
            return flow.webhook.acceptedBodies.count >= Int(row[2]) ?? .max
        }
        let paid = Set(try await sql("SELECT id FROM checkout_sessions WHERE status IN ('processing', 'completed')").map { $0[0] })
        let proofs = try await sql("SELECT session_id, txid, proof_json, signature, delivery_state FROM transfer_proofs").map {
            FlowLedger.Proof(sessionID: $0[0], txid: $0[1], proofJSON: $0[2], signature: $0[3], deliveryState: $0[4])
        }
        let ledgerTxids = try await sql("SELECT txid FROM ledger_entries").map { $0[0] }
        flow.expectExactlyOnce(
            paid, in: FlowLedger(proofs: proofs, ledgerTxids: ledgerTxids, paidSessions: paid, runningDeliveries: 0, proofWorkers: []))
        #expect(load.paid.isSubset(of: paid), "a payment answered 303 is not paid in the database")
        #expect(paid.count > 50, "too little load to mean anything: \(paid.count) paid")

        // Every checkout answered 200 exists; no nonce stored two sessions.
        let sessions = Set(try await sql("SELECT id FROM checkout_sessions").map { $0[0] })
        let created = load.created
        #expect(Set(created.map(\.sessionID)).subtracting(sessions).isEmpty, "a checkout answered 200 is missing")
        let twice = Dictionary(grouping: created, by: \.nonce).filter { $0.value.count > 1 }
        #expect(twice.isEmpty, "nonces answered 200 more than once: \(twice)")
        let nonces = Set(try await sql("SELECT nonce FROM nonces WHERE ocid = 300").map { $0[0] })
        #expect(Set(created.map(\.nonce)).isSubset(of: nonces))
        #expect(sessions.count <= nonces.count)
        let racedSessions = try await sql(
            "SELECT order_id, count(*) FROM checkout_sessions WHERE order_id LIKE 'ord_chaos_race_%' GROUP BY order_id ORDER BY order_id")
        #expect(racedSessions == raced.map { [$0, "1"] })

        // Two `ocgate settle` processes at once, with a cut-off past every entry: each entry in exactly one statement.
        let last = Int64(try await sql("SELECT max(created_at) FROM ledger_entries").first?.first ?? "") ?? 0
        let until = last / 1000 + 1
        try await awaitEvent("the cut-off in the past") { Int64(Date().timeIntervalSince1970) >= until }
        let settle = ["settle", "--until", String(until), "--config", OCGateProcess.packageRoot.appendingPathComponent("config/ocgate.toml").path]
        let (environment, directory) = (flow.environment, flow.directory)
        async let firstRun = OCGateProcess.run(settle, environment: environment, in: directory, timeout: .seconds(120))
        async let secondRun = OCGateProcess.run(settle, environment: environment, in: directory, timeout: .seconds(120))
        for run in try await [firstRun, secondRun] {
            #expect(run.exited && run.result.status == 0, "settle: \(run.result.stderr)")
        }
        let membership = try await sql("""
            SELECT (SELECT count(*) FROM ledger_entries),
                   (SELECT count(*) FROM ledger_entries WHERE statement_id IS NULL),
                   (SELECT count(*) FROM statement_entries),
                   (SELECT count(*) FROM ledger_entries l JOIN statement_entries e USING (txid)
                    WHERE e.statement_id IS DISTINCT FROM l.statement_id)
            """)
        #expect(membership == [[String(paid.count), "0", String(paid.count), "0"]], "entries, unsettled, members, mismatched")
        let statements = try await sql("""
            SELECT s.id, s.entry_count = count(e.txid), s.total::numeric = COALESCE(sum(l.amount::numeric), 0)
            FROM settlement_statements s
            LEFT JOIN statement_entries e ON e.statement_id = s.id LEFT JOIN ledger_entries l ON l.txid = e.txid
            GROUP BY s.id
            """)
        #expect(!statements.isEmpty)
        #expect(statements.allSatisfy { $0[1...] == ["t", "t"] }, "statements whose count or total is not their entries': \(statements)")
        // The totals against an independent sum: the ledger's, and the price of every paid order (99.99 each).
        let totals = try await sql("""
            SELECT (SELECT sum(total::numeric) FROM settlement_statements) = (SELECT sum(amount::numeric) FROM ledger_entries),
                   (SELECT (sum(total::numeric) * 100)::bigint FROM settlement_statements)
            """)
        #expect(totals == [["t", String(paid.count * 9_999)]])

        // Every process still running ends on SIGTERM, as a deploy stops it.
        var unended: [Int32] = []
        for process in acceptors + [replacement, stalled] where !(try await Self.end(process)) {
            unended.append(process.processIdentifier)
        }
        #expect(unended.isEmpty, "processes that did not end on SIGTERM within 45 s: \(unended)")
    }

    /// Ends `process` as an operator's deploy does: SIGTERM, then up to 45 s for it to exit (an idle gateway takes
    /// well under a second; a worker's grace for running jobs is 30 s), SIGKILL after that so the suite never hangs.
    /// True if it ended on SIGTERM (or had ended already).
    private static func end(_ process: Process) async throws -> Bool {
        guard process.isRunning else { return true }
        process.terminate()
        let ended = try await eventually(within: .seconds(45)) { !process.isRunning }
        if !ended { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return ended
    }

    /// Runs `chaos` (`event`) while the MG refuses its next 20 deliveries, so the workers must retry them after it;
    /// then waits until the workers are back: each has its LISTEN connection again, both acceptors took checkouts and
    /// payments again, the MG's refusals ran out, and every proof issued by then is accepted, the refused ones
    /// delivered by the workers' retries.
    private func survive(
        _ event: String, workers: [Int32], cluster: ThrowawayPostgresCluster, flow: FlowFixture, load: ChaosLoad,
        sql: @escaping (String) async throws -> [[String]], _ chaos: () async throws -> Void
    ) async throws {
        let mark = (load.paidCount(via: 0), load.paidCount(via: 1))
        let refusedBefore = flow.webhook.requests.filter { $0.status == 503 }.count
        flow.webhook.inject(.unavailable(times: 20))
        try await chaos()
        try await awaitEvent("both workers listening again after \(event)") {
            let ports = try await cluster.connections(of: workers)
            guard !ports.isEmpty else { return false }
            let listening = try await sql("""
                SELECT client_port FROM pg_stat_activity
                WHERE application_name = 'ocgate-listener' AND client_port IN (\(ports.keys.map(String.init).joined(separator: ", ")))
                """)
            return Set(listening.compactMap { Int($0[0]).flatMap { ports[$0] } }) == Set(workers)
        }
        try await awaitEvent("both acceptors taking payments again after \(event)") {
            load.paidCount(via: 0) >= mark.0 + 5 && load.paidCount(via: 1) >= mark.1 + 5
        }
        try await awaitEvent("the MG's refusals after \(event) used up") {
            flow.webhook.requests.filter { $0.status == 503 }.count >= refusedBefore + 20
        }
        let now = try await sql("SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint").first?.first ?? "0"
        try await awaitEvent("every proof issued before then accepted after \(event)", limit: .seconds(150)) {
            let waiting = try await sql("SELECT count(*) FROM transfer_proofs WHERE issued_at < \(now) AND delivery_state <> 'accepted'")
            return waiting == [["0"]]
        }
    }
}

/// Waits for `condition` (an error while the database is away counts as not yet), failing with `what` after `limit`.
private func awaitEvent(
    _ what: String, limit: Duration = .seconds(120), _ condition: () async throws -> Bool
) async throws {
    guard try await eventually(within: limit, { (try? await condition()) ?? false }) else {
        throw FlowFailure("timed out waiting for \(what)")
    }
}

/// Customers checking out and paying through both acceptors, four at a time, until stopped: what was answered 200 and
/// 303, by which acceptor. Bounded: each lane makes at most 2,000 checkouts.
///
/// Safe as `@unchecked Sendable`: the mutable state is only touched under `lock`.
final class ChaosLoad: @unchecked Sendable {
    struct Created: Sendable {
        let sessionID: String
        let nonce: String
        /// The index of the acceptor that answered (-1: the nonce races).
        let acceptor: Int
    }

    private let flow: FlowFixture
    private let bases: [String]
    private let lock = NSLock()
    private var stopped = false
    private var answered: [Created] = []
    private var paidBy: [Int: Set<String>] = [:]

    init(flow: FlowFixture, bases: [String]) {
        self.flow = flow
        self.bases = bases
    }

    var created: [Created] { lock.withLock { answered } }
    var paid: Set<String> { lock.withLock { paidBy.values.reduce(into: Set<String>()) { $0.formUnion($1) } } }
    func paidCount(via acceptor: Int) -> Int { lock.withLock { paidBy[acceptor]?.count ?? 0 } }
    func record(_ created: Created) { lock.withLock { answered.append(created) } }
    func stop() { lock.withLock { stopped = true } }
    private var isStopped: Bool { lock.withLock { stopped } }

    func run() async {
        await withTaskGroup(of: Void.self) { group in
            for lane in 0..<4 {
                group.addTask {
                    for n in 0..<2_000 where !self.isStopped {
                        let acceptor = (lane + n) % self.bases.count
                        if await !self.checkoutAndPay(orderID: "ord_chaos_\(lane)_\(n)", via: acceptor) {
                            // While the database is away every call fails at once: the lane waits until that
                            // acceptor is ready again (its database writable) rather than spend its bound in a
                            // second. If it never is, the test's own waits for payments report it.
                            await self.awaitReady(acceptor)
                        }
                    }
                }
            }
        }
    }

    /// Returns once acceptor `index` answers `/ready` with 200, or `eventually`'s bound passed.
    private func awaitReady(_ index: Int) async {
        let ready = OutboundRequest(method: "GET", url: bases[index] + "/ready", timeout: .seconds(1))
        _ = try? await eventually { (try? await self.flow.client.send(ready))?.status == 200 }
    }

    /// One checkout and its payment through acceptor `via`; false if either was not answered as a customer expects.
    private func checkoutAndPay(orderID: String, via acceptor: Int) async -> Bool {
        let request = flow.checkoutRequest(orderID: orderID, to: bases[acceptor])
        guard let created = try? await flow.client.send(request), created.status == 200,
            let sessionID = (try? JSONParser.parse(created.body)).flatMap({ try? CheckoutCreateResponse(json: $0) })?.sessionID
        else { return false }
        record(Created(sessionID: sessionID, nonce: request.headers.first { $0.name == OCHeader.nonce }?.value ?? "", acceptor: acceptor))
        guard let paid = try? await flow.client.send(flow.payRequest(sessionID, at: bases[acceptor])), paid.status == 303 else {
            return false
        }
        lock.withLock { _ = paidBy[acceptor, default: []].insert(sessionID) }
        return true
    }
}
