import Foundation
import GatewayTestSupport
import Opencharge
import Testing

struct LogFormatTests {
    @Test func jsonLogFormatWritesOneObjectPerLine() async throws {
        let (line, spool) = try await Self.listeningLine(format: "json")
        let entry = try JSONParser.parse(line)
        #expect(entry["level"] == "notice")
        #expect(entry["label"] == "ocgate.serve")
        #expect(entry["spool"]?.stringValue == spool)
        #expect(entry["time"]?.stringValue?.hasSuffix("Z") == true)
    }

    /// swift-log's `StreamLogHandler` line: local time to the second, level, label, metadata sorted by key, the
    /// source module in brackets, the message.
    @Test func textLogFormatWritesStreamLogHandlerLines() async throws {
        let (line, spool) = try await Self.listeningLine(format: "text")
        let shape = #/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{4} notice ocgate\.serve:(?<metadata>( \S+=[^ ]*)+) \[\w+\] ocgate listening$/#
        let match = try #require(line.wholeMatch(of: shape), "\(line)")
        let keys = match.output.metadata.split(separator: " ").map { $0.prefix { $0 != "=" } }
        #expect(keys == keys.sorted(), "metadata sorted by key: \(line)")
        #expect(match.output.metadata.contains(" spool=\(spool)"))
    }

    /// The `ocgate listening` line of a `serve` started with `log.format = format`, and its spool directory.
    private static func listeningLine(format: String) async throws -> (line: String, spool: String) {
        let spool = try SpoolFixture()
        let process = Process()
        process.executableURL = OCGateProcess.binary
        process.arguments = ["serve", "--no-workers", "--config", spool.config]
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("OCGATE_") }
            .merging(spool.environment) { $1 }
            .merging(["OCGATE_LOG_FORMAT": format, "OCGATE_HTTP_PORT": String(closedLoopbackPort())]) { $1 }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var text = ""
        _ = try await eventually {
            text += String(decoding: errors.fileHandleForReading.availableData, as: UTF8.self)
            return text.contains("ocgate listening")
        }
        process.terminate()
        process.waitUntilExit()
        let line = try #require(text.split(separator: "\n").first { $0.contains("ocgate listening") })
        return (String(line), spool.spool)
    }
}
