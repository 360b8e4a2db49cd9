import Foundation
import GatewayTestSupport
import Opencharge
import Testing

struct LogFormatTests {
    @Test func jsonLogFormatWritesOneObjectPerLine() async throws {
        let spool = try SpoolFixture()
        let process = Process()
        process.executableURL = OCGateProcess.binary
        process.arguments = ["serve", "--no-workers", "--config", spool.config]
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("OCGATE_") }
            .merging(spool.environment) { $1 }
            .merging(["OCGATE_LOG_FORMAT": "json", "OCGATE_HTTP_PORT": String(closedLoopbackPort())]) { $1 }
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
        let entry = try JSONParser.parse(String(line))
        #expect(entry["level"] == "notice")
        #expect(entry["label"] == "ocgate.serve")
        #expect(entry["spool"]?.stringValue == spool.spool)
        #expect(entry["time"]?.stringValue?.hasSuffix("Z") == true)
    }
}
