import Opencharge
import Testing

struct QueueBenchCommandTests {
    @Test func reportsPipelineSingleAndRawRatesWithTheirRatio() throws {
        let result = try OCGateProcess.run(
            ["bench", "queue", "--jobs", "300", "--batch", "50", "--workers", "2", "--singles", "20", "--durability", "normal",
             "--json"])
        #expect(result.status == 0)
        let json = try JSONParser.parse(result.stdout)
        #expect(json["durability"]?.stringValue == "normal")
        #expect(json["store"]?.stringValue == "sqlite" && json["database"] == nil && json["postgres"] == nil)
        #expect(json["jobs"]?.numberValue?.int64Value == 300)
        #expect(json["workers"]?.numberValue?.int64Value == 2)
        for field in ["pipeline_jobs_per_second", "single_enqueues_per_second", "raw_commits_per_second"] {
            #expect((json[field]?.numberValue?.int64Value ?? 0) > 0, "\(field)")
        }
        #expect(json["single_to_raw_ratio"]?.numberValue != nil)

        let text = try OCGateProcess.run(["bench", "queue", "--jobs", "100", "--singles", "10"])
        #expect(text.status == 0)
        for label in ["enqueue→claim→complete", "single durable enqueue", "raw SQLite single commit", "single / raw"] {
            #expect(text.stdout.contains(label))
        }
        #expect(try OCGateProcess.run(["bench", "queue", "--durability", "off"]).status == 2)
        let noWorkers = try OCGateProcess.run(["bench", "queue", "--workers", "0"])
        #expect(noWorkers.status == 2 && noWorkers.stderr.contains("--workers"))
    }
}
