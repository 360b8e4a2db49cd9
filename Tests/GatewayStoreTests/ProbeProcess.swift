import Foundation
import Testing

/// The QueueProbe executable, run as a separate process on a test's spool.
final class ProbeProcess {
    let process = Process()
    private let output = Pipe()

    /// QueueProbe is built next to the test bundle (.build/debug).
    static let executable: URL = {
        let candidates = [
            Bundle.main.bundleURL.deletingLastPathComponent(),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../.build/debug"),
        ]
        for directory in candidates {
            for probe in [directory, directory.deletingLastPathComponent()] {
                let url = probe.appendingPathComponent("QueueProbe")
                if FileManager.default.isExecutableFile(atPath: url.path) { return url }
            }
        }
        return candidates[0].appendingPathComponent("QueueProbe")
    }()

    init(_ arguments: [String]) throws {
        process.executableURL = Self.executable
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// Waits for exit within `timeout`; kills the probe and records a test failure otherwise.
    @discardableResult
    func waitForExit(within timeout: Duration = .seconds(120)) async throws -> (status: Int32, output: String) {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            Issue.record("QueueProbe \(process.arguments ?? []) did not finish within \(timeout)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func killHard() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
