import Foundation
import Opencharge
import Testing

@testable import GatewayCLI

struct ServeBenchCommandTests {
    private let config = OCGateProcess.packageRoot.appendingPathComponent("config/ocgate.toml").path

    @Test func benchServesStoresAndReportsBothPhases() async throws {
        let ending = try await OCGateProcess.run(
            ["bench", "serve", "--requests", "300", "--connections", "4", "--config", config, "--json"],
            timeout: .seconds(600))
        #expect(ending.exited, "\(ending.result.stderr)")
        #expect(ending.result.status == 0, "\(ending.result.stderr)")
        let lastLine = ending.result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let report = try JSONParser.parse(lastLine)
        #expect(report["errors"] == 0)
        #expect(report["requests"] == 300)
        #expect(report["sessions_stored"] == 300, "every 200 is a stored session")
        #expect(report["jobs_unfinished"] == 0, "every job the checkouts started has run")
        for key in ["stored_per_s", "ceiling_per_s", "stored_over_ceiling", "p50_ms", "p99_ms", "p999_ms", "ceiling_p50_ms"] {
            #expect((Double(report[key]?.numberValue?.literal ?? "") ?? 0) > 0, "\(key): \(lastLine)")
        }
        #expect(report["rss_start_kb"]?.numberValue != nil && report["rss_end_kb"]?.numberValue != nil)
        #expect(report["cpu_by_thread"]?.objectValue?.count ?? 0 > 0, "\(lastLine)")
        #expect(report["serve_exit_status"] == 0, "ocgate serve stopped cleanly on SIGTERM")
    }

    @Test func enduranceHoldsItsRateAndReadsMemoryThroughout() async throws {
        let ending = try await OCGateProcess.run(
            [
                "bench", "serve", "--duration", "3s", "--rate", "40", "--rss-every", "1s", "--connections", "4",
                "--config", config, "--json",
            ], timeout: .seconds(600))
        #expect(ending.exited, "\(ending.result.stderr)")
        #expect(ending.result.status == 0, "\(ending.result.stderr)")
        let lastLine = ending.result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let report = try JSONParser.parse(lastLine)
        func number(_ key: String) -> Double? { Double(report[key]?.numberValue?.literal ?? "") }
        #expect(report["requests"] == 120, "3 s at 40/s")
        #expect(report["errors"] == 0, "\(lastLine)")
        #expect(report["sessions_stored"] == 120, "every 200 is a stored session")
        #expect(report["jobs_unfinished"] == 0)
        #expect(report["serve_exit_status"] == 0, "ocgate serve stopped cleanly on SIGTERM")
        // An open schedule cannot run ahead of itself: the last of 120 requests is due 119/40 s after the first.
        #expect((number("achieved_per_s") ?? 0) > 0 && (number("achieved_per_s") ?? .infinity) <= 40 * 120 / 119, "\(lastLine)")
        for key in ["p50_ms", "p99_ms", "rss_start_kb", "rss_warm_kb", "rss_end_kb", "rss_max_kb"] {
            #expect((number(key) ?? 0) > 0, "\(key): \(lastLine)")
        }
        let series = report["rss_series_kb"]?.arrayValue ?? []
        #expect(series.count >= 3, "start, at least one sample during the load, end: \(lastLine)")
        #expect(series.allSatisfy { $0.numberValue != nil }, "\(lastLine)")
    }

    @Test(arguments: [
        ["--requests", "0"], ["--connections", "0"], ["--config", "/nonexistent/ocgate.toml"],
        ["--duration", "30m"], ["--rate", "10"], ["--duration", "soon", "--rate", "10"],
        ["--duration", "1m", "--rate", "10", "--rss-every", "0s"],
    ])
    func badInputIsOneLineAndExitTwo(arguments: [String]) async throws {
        let ending = try await OCGateProcess.run(["bench", "serve"] + arguments, timeout: .seconds(120))
        #expect(ending.result.status == 2, "\(ending.result.stderr)")
        #expect(ending.result.stderr.split(separator: "\n").count == 1, "\(ending.result.stderr)")
        #expect(ending.result.stdout.isEmpty)
    }
}

struct ServeBenchPartsTests {
    @Test func threadStatGivesNameAndTicks() throws {
        let stat = "4242 (NIO-ELT-0-#1) S 1 4242 4242 0 -1 4194368 512 0 0 0 170 35 0 0 20 0 9 0 123 456 789"
        let thread = try #require(ProcessSample.thread(stat: stat))
        #expect(thread.name == "NIO-ELT-0-#1")
        #expect(thread.ticks == 205)
        #expect(ProcessSample.thread(stat: "7 (a) b) R 1 2 3 4 5 6 7 8 9 10 11 12 13")?.name == "a) b")
        #expect(ProcessSample.thread(stat: "garbage") == nil)
    }

    @Test func cpuSplitGroupsThreadsByNameWithoutNumbers() {
        let before = ProcessSample(threads: [1: ("ocgate", 100), 2: ("NIO-ELT-0-#0", 10), 3: ("NIO-ELT-0-#1", 10)])
        let after = ProcessSample(
            threads: [1: ("ocgate", 110), 2: ("NIO-ELT-0-#0", 40), 3: ("NIO-ELT-0-#1", 50), 4: ("sqlite-writer", 20)])
        let split = ProcessSample.cpuSplit(from: before, to: after)
        #expect(split.map(\.group) == ["NIO-ELT-N-#N", "sqlite-writer", "ocgate"])
        #expect(split.map(\.percent) == [70, 20, 10])
    }

    @Test func wireRequestsRoundTripThroughTheirFile() throws {
        let directory = try OCGateProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("requests")
        let requests: [[UInt8]] = [Array("POST / HTTP/1.1\r\n\r\n".utf8), [], Array(repeating: 7, count: 70_000)]
        try WireRequests.write(requests, to: file)
        #expect(try WireRequests.read(from: file) == requests)
    }

    @Test func wireRequestsReadFromAStreamInPiecesOfAnySize() throws {
        let requests: [[UInt8]] = [Array("first".utf8), [], Array(repeating: 9, count: 300)]
        let bytes = WireRequests.frames(requests)
        var reader = WireRequests.Reader()
        var read: [[UInt8]] = []
        for start in stride(from: 0, to: bytes.count, by: 7) {
            read += try reader.feed(Data(bytes[start..<min(start + 7, bytes.count)]))
        }
        #expect(read == requests)
        #expect(try reader.finish().isEmpty)
        _ = try reader.feed(Data([0, 0, 0, 5, 1]))
        #expect(throws: CommandFailure.self) { try reader.finish() }
    }

    @Test func pacedStreamHandsOutEveryRequestOnItsOpenSchedule() throws {
        let pipe = Pipe()
        let requests = (0..<10).map { [UInt8($0)] }
        try pipe.fileHandleForWriting.write(contentsOf: Data(WireRequests.frames(requests)))
        try pipe.fileHandleForWriting.close()
        let stream = PacedWireStream(pipe.fileHandleForReading, rate: 100, ahead: 3)
        var taken: [(bytes: [UInt8], due: ContinuousClock.Instant?)] = []
        while let request = stream.take() { taken.append(request) }
        #expect(taken.map(\.bytes) == requests)
        let first = try #require(taken.first?.due)
        #expect(taken.enumerated().allSatisfy { $0.element.due == first + .milliseconds(10) * $0.offset })
        #expect(stream.failure == nil)
        #expect(stream.handedOut == 10)
    }

    @Test func rssSlopeReadsTheLastTwoThirdsOnly() {
        var rss = RSSSeries(every: 60, start: 50_000)
        rss.during = [80_000, 90_000, 90_100, 90_200, 90_300, 90_400]  // a warm-up jump, then 100 KiB a minute
        rss.end = 90_400
        #expect(rss.warm == 80_000)
        #expect(rss.max == 90_400)
        #expect(rss.all.count == 8)
        #expect(abs((rss.slopePerMinute ?? 0) - 100) < 0.001)
    }

    @Test func aFailedLoadCountsEveryRequestAsAnError() {
        let failed = LoadSummary(requests: 50, failure: "connect: refused")
        #expect(failed.errors == 50)
        #expect(failed.perSecond == 0)
    }
}
