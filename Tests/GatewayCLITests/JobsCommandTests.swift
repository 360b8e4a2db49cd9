import Foundation
import GatewayStore
import GatewayTestSupport
import Opencharge
import Testing

/// `ocgate jobs …` and `ocgate prune` on every backend (`backup` copies the SQLite file, so it runs there alone).
struct JobsCommandTests {
    @Test(arguments: TestBackend.allCases)
    func listFiltersByStateKindAndLimit(backend: TestBackend) async throws {
        let spool = try await SpoolFixture(backend)
        let first = try await spool.enqueue("alpha")
        let second = try await spool.enqueue("alpha")
        let dead = try await spool.finished("beta", .dead(AttemptFailure(error: "boom")))

        let text = try spool.ocgate(["jobs", "list"])
        #expect(text.status == 0)
        #expect(text.stdout.split(separator: "\n").map { $0.split(separator: "\t")[0] } == ["\(dead)", "\(second)", "\(first)"])

        let deadOnly = try spool.json(["jobs", "list", "--state", "dead"])["jobs"]?.arrayValue ?? []
        #expect(deadOnly.count == 1)
        #expect(deadOnly.first?["id"]?.numberValue?.int64Value == dead)
        #expect(deadOnly.first?["last_error"]?.stringValue == "boom")

        let newestAlpha = try spool.json(["jobs", "list", "--kind", "alpha", "--limit", "1"])["jobs"]?.arrayValue ?? []
        #expect(newestAlpha.map { $0["id"]?.numberValue?.int64Value } == [second])

        let badState = try spool.ocgate(["jobs", "list", "--state", "sleeping"])
        #expect(badState.status == 2)
        #expect(badState.stderr.contains("sleeping"))
    }

    @Test(arguments: TestBackend.allCases)
    func listFiltersByMG(backend: TestBackend) async throws {
        let spool = try await SpoolFixture(backend)
        let ours = try await spool.enqueue("callback.deliver", mg: 300)
        try await spool.enqueue("callback.deliver", mg: 301)
        try await spool.enqueue("callback.deliver")

        let jobs = try spool.json(["jobs", "list", "--mg", "300"])["jobs"]?.arrayValue ?? []
        #expect(jobs.map { $0["id"]?.numberValue?.int64Value } == [ours])
        #expect(jobs.first?["mg_ocid"]?.numberValue?.int64Value == 300)
        let text = try spool.ocgate(["jobs", "list", "--mg", "300"])
        #expect(text.status == 0)
        #expect(text.stdout.split(separator: "\n").map { $0.split(separator: "\t")[0] } == ["\(ours)"])
        #expect(try spool.ocgate(["jobs", "list", "--mg", "gateway"]).status == 2)
    }

    @Test(arguments: TestBackend.allCases)
    func retryAllDeadNarrowedToOneMG(backend: TestBackend) async throws {
        let spool = try await SpoolFixture(backend)
        let ours = try await spool.finished("callback.deliver", .dead(AttemptFailure(error: "HTTP 503")), mg: 300)
        let theirs = try await spool.finished("callback.deliver", .dead(AttemptFailure(error: "HTTP 503")), mg: 301)

        let retried = try spool.json(["jobs", "retry", "--all-dead", "--mg", "300"])
        #expect(retried["retried"]?.numberValue?.int64Value == 1)
        #expect(try await spool.queue.show(id: ours)?.job.state == .queued)
        #expect(try await spool.queue.show(id: theirs)?.job.state == .dead)
        let withoutAllDead = try spool.ocgate(["jobs", "retry", "\(theirs)", "--mg", "301"])
        #expect(withoutAllDead.status == 2)
        #expect(withoutAllDead.stderr.contains("--mg"))
    }

    @Test(arguments: TestBackend.allCases)
    func showPrintsPayloadAndAttemptsAndNamesAnUnknownID(backend: TestBackend) async throws {
        let spool = try await SpoolFixture(backend)
        let id = try await spool.finished("beta", .dead(AttemptFailure(error: "peer said no", httpStatus: 502)))

        let text = try spool.ocgate(["jobs", "show", "\(id)"])
        #expect(text.status == 0)
        #expect(text.stdout.contains(#"payload: {"n":1}"#))
        #expect(text.stdout.contains("#1 dead"))
        #expect(text.stdout.contains("HTTP 502: peer said no"))

        let json = try spool.json(["jobs", "show", "\(id)"])
        #expect(json["state"]?.stringValue == "dead")
        #expect(json["payload"]?["n"]?.numberValue?.int64Value == 1)
        let attempts = json["attempts"]?.arrayValue ?? []
        #expect(attempts.count == 1)
        #expect(attempts.first?["error"]?.stringValue == "peer said no")
        #expect(attempts.first?["http_status"]?.numberValue?.int64Value == 502)

        let missing = try spool.ocgate(["jobs", "show", "987654"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("job 987654 does not exist"))
        #expect(missing.stdout.isEmpty)
    }

    @Test(arguments: TestBackend.allCases)
    func cancelStopsQueuedJobsAndNamesEveryRefusedID(backend: TestBackend) async throws {
        let spool = try await SpoolFixture(backend)
        let first = try await spool.enqueue("alpha")
        let second = try await spool.enqueue("alpha")

        let cancelled = try spool.ocgate(["jobs", "cancel", "\(first)"])
        #expect(cancelled.status == 0)
        #expect(cancelled.stdout.contains("cancelled \(first)"))
        #expect(try await spool.queue.show(id: first)?.job.state == .cancelled)

        let mixed = try spool.ocgate(["jobs", "cancel", "987654", "\(second)", "--json"])
        #expect(mixed.status == 1)
        #expect(mixed.stderr.contains("job 987654 does not exist"))
        #expect(try JSONParser.parse(mixed.stdout)["cancelled"] == .array([.integer(second)]))
        #expect(try await spool.queue.show(id: second)?.job.state == .cancelled)

        let again = try spool.ocgate(["jobs", "cancel", "\(first)"])
        #expect(again.status == 1)
        #expect(again.stderr.contains("job \(first) is cancelled; cannot cancel it"))
    }

    @Test(arguments: TestBackend.allCases)
    func retryRevivesDeadJobsByIDOrInBulkWithHistoryKept(backend: TestBackend) async throws {
        let spool = try await SpoolFixture(backend)
        let dead = try await spool.finished("beta", .dead(AttemptFailure(error: "boom")))

        let revived = try spool.ocgate(["jobs", "retry", "\(dead)"])
        #expect(revived.status == 0)
        let detail = try #require(try await spool.queue.show(id: dead))
        #expect(detail.job.state == .queued)
        #expect(detail.attempts.map(\.error) == ["boom"])

        let missing = try spool.ocgate(["jobs", "retry", "987654"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("987654"))

        _ = try await spool.finished("delta", .dead(AttemptFailure(error: "boom again")))
        _ = try await spool.finished("gamma", .dead(AttemptFailure(error: "other")))
        let none = try spool.json(["jobs", "retry", "--all-dead", "--until", "946684800"])
        #expect(none["retried"]?.numberValue?.int64Value == 0)
        let onlyDelta = try spool.json(["jobs", "retry", "--all-dead", "--kind", "delta", "--since", "2000-01-01T00:00:00Z"])
        #expect(onlyDelta["retried"]?.numberValue?.int64Value == 1)
        let rest = try spool.ocgate(["jobs", "retry", "--all-dead"])
        #expect(rest.status == 0)
        #expect(rest.stdout.contains("retried 1 dead jobs"))
        #expect(try await spool.queue.list(JobFilter(state: .dead)).isEmpty)

        #expect(try spool.ocgate(["jobs", "retry"]).status == 2)
        #expect(try spool.ocgate(["jobs", "retry", "--all-dead", "--since", "yesterday"]).status == 2)
    }

    @Test(arguments: TestBackend.allCases)
    func statsCountsKindsStatesDeadAndKindsWithoutAHandler(backend: TestBackend) async throws {
        let spool = try await SpoolFixture(backend)
        try await spool.enqueue("alpha")
        try await spool.enqueue("alpha")
        _ = try await spool.finished("beta", .dead(AttemptFailure(error: "boom")))

        let json = try spool.json(["jobs", "stats"])
        let counts = (json["counts"]?.arrayValue ?? []).map {
            "\($0["kind"]?.stringValue ?? "")/\($0["state"]?.stringValue ?? ""):\($0["count"]?.numberValue?.int64Value ?? -1)"
        }
        #expect(counts == ["alpha/queued:2", "beta/dead:1"])
        #expect(json["dead"]?.numberValue?.int64Value == 1)
        #expect(json["attempts_last_hour"]?.numberValue?.int64Value == 1)
        #expect(json["oldest_queued_age_seconds"]?.numberValue != nil)
        #expect(json["unhandled_kinds"] == .array(["alpha", "beta"]))

        let text = try spool.ocgate(["jobs", "stats"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("alpha\tqueued\t2"))
        #expect(text.stdout.contains("dead: 1"))
        #expect(text.stdout.contains("kinds with no handler: alpha, beta"))
        #expect(json["delivery_breakers"] == .array([]))
    }

    @Test(arguments: TestBackend.allCases)
    func statsShowsAPausedDeliveryBreaker(backend: TestBackend) async throws {
        let spool = try await SpoolFixture(backend)
        for _ in 0..<3 {
            _ = try await spool.stores.deliveries.recordDeliveryFailure(mgOCID: 300, threshold: 3, pause: .seconds(600), now: Date())
        }
        let json = try spool.json(["jobs", "stats"])
        let breaker = json["delivery_breakers"]?.arrayValue?.first
        #expect(breaker?["mg"] == 300)
        #expect(breaker?["consecutive_failures"] == 3)
        #expect(breaker?["paused"] == true)
        #expect(try spool.ocgate(["jobs", "stats"]).stdout.contains("deliveries to MG 300: 3 failures in a row, paused until"))
    }

    @Test(arguments: TestBackend.allCases)
    func drainTimesOutWhileWorkIsPendingAndSucceedsWhenNoneIs(backend: TestBackend) async throws {
        let spool = try await SpoolFixture(backend)
        let pending = try await spool.enqueue("alpha")
        // Maintenance jobs the schedule keeps enqueueing never hold a drain.
        try await spool.enqueue("inbox.ingest")

        let timedOut = try spool.ocgate(["jobs", "drain", "--timeout", "1s"])
        #expect(timedOut.status == 1)
        #expect(timedOut.stderr.contains("drain timed out after 1s: 1 jobs still queued or running"))
        #expect(try await spool.queue.isDraining())

        try await spool.queue.cancel(id: pending)
        let drained = try spool.json(["jobs", "drain", "--timeout", "5s"])
        #expect(drained["pending"]?.numberValue?.int64Value == 0)
        let text = try spool.ocgate(["jobs", "drain"])
        #expect(text.stdout.contains("drained"))

        let resumed = try spool.json(["jobs", "resume"])
        #expect(resumed["draining"] == .bool(false))
        #expect(try await spool.queue.isDraining() == false)
        #expect(try spool.ocgate(["jobs", "resume"]).stdout.contains("resumed"))
    }

    @Test(arguments: TestBackend.allCases)
    func pruneDeletesFinishedJobsPastTheRetentionAge(backend: TestBackend) async throws {
        let spool = try await SpoolFixture(backend)
        let done = try await spool.finished("alpha", .succeeded(note: nil))
        let waiting = try await spool.enqueue("alpha")

        let kept = try spool.ocgate(["prune", "--older-than", "1d"])
        #expect(kept.status == 0)
        #expect(kept.stdout.contains("pruned 0 jobs"))
        // `0s` prunes what finished before the store's clock now reads (the database's, on PostgreSQL): await the
        // run that finds the job past that instant instead of guessing how long the clock needs.
        var pruned: JSONValue = .null
        let prunedOnce = try await eventually {
            pruned = try spool.json(["prune", "--older-than", "0s"])
            return pruned["pruned"]?.numberValue?.int64Value != 0
        }
        #expect(prunedOnce)
        #expect(pruned["pruned"]?.numberValue?.int64Value == 1)
        #expect(try await spool.queue.show(id: done) == nil)
        #expect(try await spool.queue.show(id: waiting) != nil)
        #expect(try spool.ocgate(["prune", "--older-than", "a week"]).status == 2)
    }

    @Test func backupWritesAnOpenableCopyAndNeverOverwrites() async throws {
        let spool = try SpoolFixture()
        for _ in 0..<5 { try await spool.enqueue("alpha") }
        let file = spool.directory.appendingPathComponent("backup.db").path

        let result = try spool.ocgate(["backup", file])
        #expect(result.status == 0)
        let copy = try TestStores.sqlite(path: file).jobs
        #expect(try await copy.list(JobFilter()).count == 5)

        let again = try spool.ocgate(["backup", file, "--json"])
        #expect(again.status == 1)
        #expect(again.stderr.contains("already exists"))
        #expect(try await copy.list(JobFilter()).count == 5)

        let second = spool.directory.appendingPathComponent("second.db").path
        #expect(try spool.json(["backup", second])["backup"]?.stringValue == second)
    }
}
