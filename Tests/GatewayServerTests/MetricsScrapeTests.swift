import Foundation
import GatewayCore
import GatewayServer
import GatewayStore
import GatewayTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Opencharge
import Prometheus
import Testing

/// What an operator's scraper and log search see: queue gauges read at scrape time, and one line per request.
struct MetricsScrapeTests {
    let identity = GatewayIdentity(ocid: 200, name: "PG", key: .generate(), publicURL: "https://pg.example", currencies: ["USD"])
    let time = ManualTime()

    func withServer(
        backend: TestBackend = .sqlite, mode: TestingSetup, logger: Logger = Logger(label: "test"), accessLog: Bool = true,
        _ test: @Sendable (any TestClientProtocol, any JobQueue) async throws -> Void
    ) async throws {
        try await backend.withStores(time: time) { stores in
            let server = GatewayServer(
                settings: ServerSettings(host: "127.0.0.1", port: 0, bodyLimit: 4096, accessLog: accessLog), identity: identity,
                stores: stores,
                acceptor: nil, time: time, logger: logger)
            try await server.makeApplication().test(mode) { client in try await test(client, stores.jobs) }
        }
    }

    /// The gauges are read from the store at scrape time, so they run on every backend.
    @Test(arguments: TestBackend.allCases)
    func queueGaugesFollowTheQueueAndDropToZero(backend: TestBackend) async throws {
        try await withServer(backend: backend, mode: .live) { client, queue in
            let start = time.now()
            _ = try await queue.enqueue([NewJob(kind: "alpha"), NewJob(kind: "alpha"), NewJob(kind: "beta")])
            let later = try await queue.enqueue(NewJob(kind: "beta", runAt: start.addingTimeInterval(3600))).id
            time.advance(by: .seconds(30))

            var scrape = try await Scrape(client)
            #expect(scrape[#"ocgate_jobs{kind="alpha",state="queued"}"#] == 2)
            #expect(scrape[#"ocgate_jobs{kind="alpha",state="running"}"#] == 0)
            #expect(scrape[#"ocgate_jobs{kind="beta",state="queued"}"#] == 2)
            #expect(scrape[#"ocgate_job_oldest_queued_age_seconds{kind="alpha"}"#] == 30)
            #expect(scrape[#"ocgate_job_oldest_queued_age_seconds{kind="beta"}"#] == 30, "the future retry does not count")

            let claimed = try await queue.claim(kinds: ["alpha", "beta"], limit: 3, worker: "w", lease: .seconds(60))
            #expect(claimed.count == 3)
            for job in claimed where job.kind == "beta" { _ = try await queue.finish(job, .succeeded(note: nil)) }
            let alphas = claimed.filter { $0.kind == "alpha" }
            _ = try await queue.finish(alphas[0], .dead(AttemptFailure(error: "rejected")))
            try await queue.cancel(id: later)
            // Past the sampler's once-a-second cache, so the next scrape reads the database again.
            time.advance(by: .seconds(2))

            scrape = try await Scrape(client)
            #expect(scrape[#"ocgate_jobs{kind="alpha",state="queued"}"#] == 0, "an emptied state drops to 0")
            #expect(scrape[#"ocgate_jobs{kind="alpha",state="running"}"#] == 1)
            #expect(scrape[#"ocgate_jobs{kind="alpha",state="dead"}"#] == 1)
            #expect(scrape[#"ocgate_jobs{kind="beta",state="queued"}"#] == 0)
            #expect(scrape[#"ocgate_jobs{kind="beta",state="succeeded"}"#] == 1)
            #expect(scrape[#"ocgate_jobs{kind="beta",state="cancelled"}"#] == 1)
            #expect(scrape[#"ocgate_job_oldest_queued_age_seconds{kind="alpha"}"#] == 0, "nothing of alpha waits any more")
            #expect(scrape[#"ocgate_job_oldest_queued_age_seconds{kind="beta"}"#] == 0)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func scrapesWithinTheIntervalShareOneRead(backend: TestBackend) async throws {
        try await backend.withStores(time: time) { try await scrapesShareOneRead($0.jobs) }
    }

    private func scrapesShareOneRead(_ queue: any JobQueue) async throws {
        let registry = PrometheusCollectorRegistry()
        let sampler = ScrapeSampler(
            sources: [JobQueueGauges(queue: queue)], registry: registry, minimumInterval: .seconds(3600),
            logger: Logger(label: "test"))
        _ = try await queue.enqueue(NewJob(kind: "alpha"))
        await sampler.refresh()
        _ = try await queue.enqueue(NewJob(kind: "alpha"))
        await sampler.refresh()
        let text = String(decoding: registry.emitToBuffer(), as: UTF8.self)
        #expect(Scrape(text: text)[#"ocgate_jobs{kind="alpha",state="queued"}"#] == 1, "the second scrape reused the first read")
    }

    @Test func withTheAccessLogOffRequestsLogNothingAndStillAnswer() async throws {
        let logs = RecordedLogs()
        try await withServer(mode: .router, logger: logs.logger, accessLog: false) { client, _ in
            let health = try await client.execute(uri: "/health", method: .get)
            let nowhere = try await client.execute(uri: "/nowhere", method: .post)
            #expect(health.status == .ok && nowhere.status == .notFound)
        }
        #expect(logs.lines("request").isEmpty)
    }

    @Test func everyRequestLogsOneLineWithItsRequestID() async throws {
        let logs = RecordedLogs()
        try await withServer(mode: .router, logger: logs.logger) { client, _ in
            _ = try await client.execute(uri: "/health", method: .get)
            _ = try await client.execute(uri: "/nowhere?x=1", method: .post)
        }
        let lines = logs.lines("request")
        #expect(lines.map(\.metadata["method"]) == ["GET", "POST"])
        #expect(lines.map(\.metadata["path"]) == ["/health", "/nowhere"])
        #expect(lines.map(\.metadata["status"]) == ["200", "404"])
        #expect(lines.allSatisfy { $0.level == .info && $0.metadata["duration_ms"].flatMap(Int.init) != nil })
        let ids = lines.compactMap { $0.metadata["hb.request.id"] }
        #expect(ids.count == 2 && Set(ids).count == 2, "each line carries its own request id")
    }
}

/// The sample values of one `/metrics` answer, by series (`name{labels}`).
struct Scrape {
    private var values: [String: Double] = [:]

    init(_ client: any TestClientProtocol) async throws {
        let response = try await client.execute(uri: "/metrics", method: .get)
        #expect(response.status == .ok)
        self.init(text: String(buffer: response.body))
    }

    init(text: String) {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            values[String(line[..<space])] = value
        }
    }

    subscript(series: String) -> Double? { values[series] }
}
