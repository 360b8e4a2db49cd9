import Foundation
import GatewayStore
@testable import GatewayStoreSQLite
import GatewayTestSupport
import Logging
import MetricsTestKit
import Testing

/// Every job attempt leaves one log line an operator can grep by job id, and the attempt counters.
@Suite struct AttemptReportTests {
    @Test func eachAttemptLogsOneLineAndCountsItsOutcome() async throws {
        let queue = try Scratch().queue()
        let logs = RecordedLogs()
        let metrics = TestMetrics()
        let failures = CallCounter()
        var registry = JobRegistry()
        registry.register("report.flaky", policy: RetryPolicy(schedule: [.milliseconds(10)], jitter: 0, maxAttempts: 3)) { _ in
            failures.next() < 1 ? .retry(error: "try again", httpStatus: 503) : .succeeded(note: "second time")
        }
        registry.register("report.hopeless") { _ in .dead(error: "rejected", httpStatus: 400) }
        registry.register("report.sweep") { _ in .swept(0, note: "pruned 0 rows") }
        let worker = JobWorker(
            queue: queue, registry: registry, configuration: JobWorkerConfiguration(pollInterval: .milliseconds(20)),
            logger: logs.logger, metrics: metrics)
        let flaky = try await queue.enqueue(NewJob(kind: "report.flaky", uniqueKey: "report:flaky")).id
        let hopeless = try await queue.enqueue(NewJob(kind: "report.hopeless")).id
        let sweep = try await queue.enqueue(NewJob(kind: "report.sweep")).id
        try await withServices([worker]) {
            let done = try await eventually {
                let flakyState = try await queue.show(id: flaky)?.job.state
                let hopelessState = try await queue.show(id: hopeless)?.job.state
                let sweepState = try await queue.show(id: sweep)?.job.state
                return flakyState == .succeeded && hopelessState == .dead && sweepState == .succeeded
            }
            #expect(done)
        }

        let flakyLines = logs.lines("job attempt").filter { $0.metadata["job"] == "\(flaky)" }
        #expect(flakyLines.map(\.metadata["outcome"]) == ["retry", "succeeded"])
        #expect(flakyLines.map(\.metadata["attempt"]) == ["1", "2"])
        #expect(flakyLines.map(\.level) == [.info, .info])
        #expect(flakyLines.allSatisfy { $0.metadata["kind"] == "report.flaky" && $0.metadata["unique_key"] == "report:flaky" })
        #expect(flakyLines.allSatisfy { $0.metadata["duration_ms"].flatMap(Int.init) != nil })
        #expect(flakyLines.first?.metadata["http_status"] == "503")

        // A sweep that found nothing is a success in the queue and the metrics, and silent at info.
        let sweepLines = logs.lines("job attempt").filter { $0.metadata["job"] == "\(sweep)" }
        #expect(sweepLines.map(\.level) == [.debug])
        #expect(sweepLines.first?.metadata["outcome"] == "succeeded")
        #expect(try await queue.show(id: sweep)?.attempts.map(\.note) == ["pruned 0 rows"])
        #expect(try metrics.expectCounter("ocgate_job_attempts_total", [("kind", "report.sweep"), ("outcome", "succeeded")]).totalValue == 1)

        let hopelessLines = logs.lines("job attempt").filter { $0.metadata["job"] == "\(hopeless)" }
        #expect(hopelessLines.map(\.level) == [.error])
        #expect(hopelessLines.first?.metadata["outcome"] == "dead")
        #expect(hopelessLines.first?.metadata["error"] == "rejected")

        #expect(try metrics.expectCounter("ocgate_job_attempts_total", [("kind", "report.flaky"), ("outcome", "retry")]).totalValue == 1)
        #expect(try metrics.expectCounter("ocgate_job_attempts_total", [("kind", "report.flaky"), ("outcome", "succeeded")]).totalValue == 1)
        #expect(try metrics.expectCounter("ocgate_job_attempts_total", [("kind", "report.hopeless"), ("outcome", "dead")]).totalValue == 1)
        #expect(try metrics.expectTimer("ocgate_job_attempt_duration_seconds", [("kind", "report.flaky")]).values.count == 2)
    }
}
