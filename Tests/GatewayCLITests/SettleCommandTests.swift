import Foundation
import GatewayCore
import GatewayStore
import GatewayTestSupport
import GatewayCore
import Opencharge
import Testing

/// Every test on every backend: the statements, their membership and the crash points are the store's.
@Suite("ocgate settle")
struct SettleCommandTests {
    /// Entries for 2 MGs × 2 currencies, all accepted and created in the minute before `cutOff`.
    private static func entries(before cutOff: Date, count: Int) -> [SeededEntry] {
        (0..<count).map { (index: Int) -> SeededEntry in
            let mg: UInt64 = index % 2 == 0 ? 300 : 301
            let currency = index % 4 < 2 ? "USD" : "EUR"
            let cents = index % 100
            let amount = "\(index % 97)." + (cents < 10 ? "0\(cents)" : "\(cents)")
            let createdAt = cutOff.addingTimeInterval(-Double(1 + index % 60))
            return SeededEntry(mgOCID: mg, currency: currency, amount: amount, createdAt: createdAt)
        }
    }

    private static func cutOff() -> (Date, String) {
        let seconds = Int64(Date().timeIntervalSince1970) - 1
        return (Date(timeIntervalSince1970: TimeInterval(seconds)), String(seconds))
    }

    private static func statementCount(_ spool: SpoolFixture) async throws -> Int {
        try await spool.stores.settlement.statements().count
    }

    @Test("settle writes signed statements and their files; the same cut-off again writes none",
          arguments: TestBackend.allCases)
    func settleTwice(backend: TestBackend) async throws {
        let spool = try await SpoolFixture(backend)
        let (cutOff, until) = Self.cutOff()
        _ = try await LedgerSeed.insert(Self.entries(before: cutOff, count: 200), into: spool.stores)

        let first = try spool.json(["settle", "--until", until])
        let statements = first["statements"]?.arrayValue ?? []
        #expect(statements.count == 4)
        #expect(first["complete"] == .bool(true))
        let key = try KeyFile.load(path: spool.keyFile).publicKey
        for statement in statements {
            let files = statement["files"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(files.count == 2)
            let document = try Data(contentsOf: URL(fileURLWithPath: try #require(files.first { $0.hasSuffix(".json") })))
            #expect(StatementDocument.verifies(Array(document), keys: [key]))
        }
        #expect(statements.compactMap { $0["count"]?.numberValue?.int64Value }.reduce(0, +) == 200)

        let second = try spool.json(["settle", "--until", until])
        #expect(second["statements"]?.arrayValue?.isEmpty == true)
        #expect(second["existing"]?.arrayValue?.count == 4)
        #expect(try await Self.statementCount(spool) == 4)
    }

    @Test("two settle processes racing on one spool settle every entry exactly once", arguments: TestBackend.allCases)
    func racingProcesses(backend: TestBackend) async throws {
        let spool = try await SpoolFixture(backend)
        let (cutOff, until) = Self.cutOff()
        _ = try await LedgerSeed.insert(Self.entries(before: cutOff, count: 2_000), into: spool.stores)

        async let a = Task.detached { try spool.ocgate(["settle", "--until", until]) }.value
        async let b = Task.detached { try spool.ocgate(["settle", "--until", until]) }.value
        let (first, second) = try await (a, b)

        #expect(first.status == 0, "\(first.stderr)")
        #expect(second.status == 0, "\(second.stderr)")
        let wrote = (first.stdout + second.stdout).split(separator: "\n").filter { $0.hasPrefix("wrote st_") }
        #expect(wrote.count == 4)
        #expect(try await Self.statementCount(spool) == 4)
        var settled = 0
        for statement in try await spool.stores.settlement.statements() {
            settled += try await spool.stores.settlement.entries(statementID: statement.id).count
        }
        #expect(settled == 2_000)
        #expect(try await LedgerSeed.membershipProblems(in: spool.stores, mgs: [300, 301, 302]).isEmpty)
    }

    /// Runs `settle` with a failpoint, waits until it stops there, and kills it with SIGKILL.
    private static func killed(at failpoint: String, spool: SpoolFixture, until: String) async throws {
        let log = spool.directory.appendingPathComponent("settle-\(failpoint).err")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = try OCGateProcess.launch(
            ["settle", "--until", until, "--config", spool.config],
            environment: spool.environment.merging(["OCGATE_FAILPOINT": failpoint]) { $1 },
            standardError: try FileHandle(forWritingTo: log))
        let reached = try await eventually {
            (try? String(contentsOf: log, encoding: .utf8))?.contains("failpoint \(failpoint) reached") == true
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(reached, "settle never reached \(failpoint)")
        #expect(process.terminationReason == .uncaughtSignal)
    }

    @Test("kill -9 inside a statement's transaction leaves nothing; a clean re-run settles everything", arguments: TestBackend.allCases)
    func crashBeforeCommit(backend: TestBackend) async throws {
        let spool = try await SpoolFixture(backend)
        let (cutOff, until) = Self.cutOff()
        let entries = Self.entries(before: cutOff, count: 400)
        _ = try await LedgerSeed.insert(entries, into: spool.stores)

        try await Self.killed(at: "settle.before-commit", spool: spool, until: until)

        #expect(try await Self.statementCount(spool) == 0)
        let marked = try await spool.stores.settlement.ledgerWithDeliveries(from: nil, to: nil)
            .filter { $0.ledger.statementID != nil }
        #expect(marked.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool.spool + "/statements").filter { !$0.hasPrefix(".") }.isEmpty)

        let rerun = try spool.json(["settle", "--until", until])
        #expect(rerun["statements"]?.arrayValue?.count == 4)
        let totals = rerun["statements"]?.arrayValue?.compactMap { $0["total"]?.stringValue } ?? []
        #expect(independentTotal(totals) == independentTotal(entries.map(\.amount)))
        #expect(try await LedgerSeed.membershipProblems(in: spool.stores, mgs: [300, 301, 302]).isEmpty)
    }

    @Test("kill -9 after a statement's commit keeps it whole; the re-run writes its files and the rest", arguments: TestBackend.allCases)
    func crashAfterCommit(backend: TestBackend) async throws {
        let spool = try await SpoolFixture(backend)
        let (cutOff, until) = Self.cutOff()
        _ = try await LedgerSeed.insert(Self.entries(before: cutOff, count: 400), into: spool.stores)

        try await Self.killed(at: "settle.after-commit", spool: spool, until: until)

        let committed = try await spool.stores.settlement.statementsMissingFiles().map(\.id)
        #expect(committed.count == 1)
        #expect(try await LedgerSeed.membershipProblems(in: spool.stores, mgs: [300, 301, 302]).isEmpty)

        let rerun = try spool.json(["settle", "--until", until])
        #expect(rerun["repaired"] == .array(committed.map { .string($0) }))
        #expect(rerun["statements"]?.arrayValue?.count == 3)
        #expect(try await Self.statementCount(spool) == 4)
        let files = try FileManager.default.contentsOfDirectory(atPath: spool.spool + "/statements").filter { !$0.hasPrefix(".") }
        #expect(files.count == 8)
    }

    @Test("a dead delivery makes settle exit 1 with the reason; --dry-run writes nothing", arguments: TestBackend.allCases)
    func incompleteAndDryRun(backend: TestBackend) async throws {
        let spool = try await SpoolFixture(backend)
        let (cutOff, until) = Self.cutOff()
        _ = try await LedgerSeed.insert(
            [
                SeededEntry(mgOCID: 300, currency: "USD", amount: "3.00", createdAt: cutOff.addingTimeInterval(-9)),
                SeededEntry(
                    mgOCID: 300, currency: "USD", amount: "4.00", createdAt: cutOff.addingTimeInterval(-9), deliveryState: .dead),
            ], into: spool.stores)

        let dry = try spool.ocgate(["settle", "--until", until, "--dry-run"])
        #expect(dry.stdout.contains("would write st_300_USD_"))
        #expect(try await Self.statementCount(spool) == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool.spool + "/statements").isEmpty)

        let run = try spool.ocgate(["settle", "--until", until])
        #expect(run.status == 1)
        #expect(run.stdout.contains("wrote st_300_USD_"))
        let errorLines = run.stderr.split(separator: "\n").filter { $0.contains("not everything could be settled") }
        #expect(errorLines.count == 1)
        #expect(errorLines.first?.contains("proof delivery is dead") == true)

        let usage = try spool.ocgate(["settle", "--until", "yesterday-ish"])
        #expect(usage.status == 2)
        let future = try spool.ocgate(["settle", "--until", String(Int64(Date().timeIntervalSince1970) + 3_600)])
        #expect(future.status == 1)
        #expect(future.stderr.contains("in the future"))
    }

    @Test("settle and settle report honour every part of an instant, in each of its forms", arguments: TestBackend.allCases)
    func instantsAreReadWhole(backend: TestBackend) async throws {
        let spool = try await SpoolFixture(backend)
        let cutOff = Date(timeIntervalSince1970: 1_764_703_215)  // 2025-12-02T19:20:15Z
        _ = try await LedgerSeed.insert(
            [-0.1, 0, 45].map { SeededEntry(mgOCID: 300, currency: "USD", amount: "1.00", createdAt: cutOff.addingTimeInterval($0)) },
            into: spool.stores)
        func planned(until: String) throws -> Int64 {
            let plan = try spool.json(["settle", "--dry-run", "--until", until])
            return (plan["statements"]?.arrayValue ?? []).compactMap { $0["count"]?.numberValue?.int64Value }.reduce(0, +)
        }
        // The cut-off is exclusive: the entry at 19:20:15.000 is left for the next one. Read as a date, as before
        // the fix, each of these planned nothing.
        for until in ["2025-12-02T19:20:15Z", "2025-12-02T21:20:15+02:00", "2025-12-02T14:50:15-04:30", "1764703215",
            "2025-12-02T19:20:15.000Z"]
        {
            #expect(try planned(until: until) == 1, "\(until)")
        }
        #expect(try planned(until: "2025-12-02T19:20:16Z") == 2)
        // Every millisecond counts: the entry at 19:20:15.000 is before a cut-off a millisecond later.
        #expect(try planned(until: "2025-12-02T19:20:15.001Z") == 2)
        #expect(try planned(until: "2025-12-02") == 0)
        #expect(try planned(until: "2025-12-03") == 3)

        func issued(_ range: [String]) throws -> JSONValue? {
            try spool.json(["settle", "report"] + range)["lines"]?.arrayValue?.first?["issued"]?["count"]
        }
        #expect(try issued(["--from", "2025-12-02T19:20:15Z"]) == .integer(2))
        #expect(try issued(["--from", "2025-12-02T19:20:14.900Z", "--to", "2025-12-02T21:20:15.001+02:00"]) == .integer(2))
        #expect(try issued(["--from", "2025-12-02", "--to", "2025-12-02T19:20:15Z"]) == .integer(1))
    }

    @Test("settle report shows issued, delivered, accepted, settled and unsettled totals and the stuck proofs",
          arguments: TestBackend.allCases)
    func report(backend: TestBackend) async throws {
        let spool = try await SpoolFixture(backend)
        let (cutOff, until) = Self.cutOff()
        let at = cutOff.addingTimeInterval(-9)
        let txids = try await LedgerSeed.insert(
            [
                SeededEntry(mgOCID: 300, currency: "USD", amount: "0.10", createdAt: at),
                SeededEntry(mgOCID: 300, currency: "USD", amount: "0.20", createdAt: at),
                SeededEntry(mgOCID: 300, currency: "USD", amount: "5.00", createdAt: at, deliveryState: .rejected),
                SeededEntry(mgOCID: 300, currency: "USD", amount: "7.00", createdAt: at, deliveryState: .pending),
            ], into: spool.stores)
        // The pending proof's delivery has failed twice and waits for its next attempt.
        let jobs = spool.stores.jobs
        _ = try await jobs.enqueue(ProofDeliveryJob(txid: txids[3]).job())
        for next in [Date(), Date().addingTimeInterval(60)] {
            let attempt = try #require(
                try await jobs.claim(kinds: [ProofDeliveryJob.kind], limit: 1, worker: "test", lease: .seconds(30)).first)
            _ = try await jobs.finish(attempt, .retry(at: next, AttemptFailure(error: "HTTP 503", httpStatus: 503)))
        }
        _ = try spool.ocgate(["settle", "--until", until])

        let report = try spool.json(["settle", "report"])
        let line = try #require(report["lines"]?.arrayValue?.first)
        #expect(line["issued"] == ["count": .integer(4), "total": .string("12.30")])
        #expect(line["delivered"] == ["count": .integer(3), "total": .string("5.30")])
        #expect(line["accepted"] == ["count": .integer(2), "total": .string("0.30")])
        #expect(line["settled"] == ["count": .integer(2), "total": .string("0.30")])
        #expect(line["unsettled"] == ["count": .integer(2), "total": .string("12.00")])
        let stuck = report["stuck"]?.arrayValue ?? []
        #expect(Set(stuck.compactMap { $0["condition"]?.stringValue }) == ["rejected", "retrying"])
        #expect(stuck.first { $0["condition"] == .string("retrying") }?["lastError"] == .string("HTTP 503"))

        let text = try spool.ocgate(["settle", "report"])
        #expect(text.stdout.contains("rejected \(txids[2])"))
        #expect(text.stdout.contains("retrying \(txids[3])"))
    }
}

private func independentTotal(_ amounts: [String]) -> Decimal {
    amounts.reduce(Decimal(0)) { $0 + Decimal(string: $1, locale: Locale(identifier: "en_US_POSIX"))! }
}
