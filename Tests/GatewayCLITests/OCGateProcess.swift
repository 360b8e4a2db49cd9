import Foundation

/// Runs the built `ocgate` binary as a user would, capturing exit code and output.
struct OCGateProcess {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The `ocgate` executable next to the test bundle in the build folder.
    static var binary: URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("ocgate").path),
            directory.path != "/"
        {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("ocgate")
    }

    /// The package root, so the shipped config/ocgate.toml can be used.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func run(_ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("OCGATE_") }
        env.merge(environment) { $1 }
        process.environment = env
        process.currentDirectoryURL = directory ?? packageRoot
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// How a bounded run ended.
    struct Ending {
        let result: Result
        /// `.exit`, or `.uncaughtSignal` when the process died of a signal (a crash, or `timedOut`).
        let reason: Process.TerminationReason
        let timedOut: Bool

        /// Ended by exiting on its own, not by a signal or the timeout.
        var exited: Bool { reason == .exit && !timedOut }
    }

    /// Runs `ocgate` like `run`, without blocking a thread while it runs and killing it after `timeout`: a bound, so
    /// a command that hangs fails its test instead of holding up the suite. Output goes through files, not pipes,
    /// so a chatty process never blocks on a full pipe.
    static func run(
        _ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil, timeout: Duration
    ) async throws -> Ending {
        let outputs = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: outputs) }
        let (stdoutURL, stderrURL) = (outputs.appendingPathComponent("stdout"), outputs.appendingPathComponent("stderr"))
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("OCGATE_") }
            .merging(environment) { $1 }
        process.currentDirectoryURL = directory ?? packageRoot
        let (stdout, stderr) = (try FileHandle(forWritingTo: stdoutURL), try FileHandle(forWritingTo: stderrURL))
        defer { try? stdout.close(); try? stderr.close() }
        process.standardOutput = stdout
        process.standardError = stderr
        let ended = AsyncStream<Process.TerminationReason>.makeStream()
        process.terminationHandler = { ended.continuation.yield($0.terminationReason) }
        try process.run()
        let pid = process.processIdentifier
        let watchdog = Task {
            do { try await Task.sleep(for: timeout) } catch { return false }
            kill(pid, SIGKILL)
            return true
        }
        var reason = Process.TerminationReason.exit
        for await ending in ended.stream {
            reason = ending
            break
        }
        watchdog.cancel()
        let timedOut = await watchdog.value
        return Ending(
            result: Result(
                status: process.terminationStatus, stdout: String(decoding: try Data(contentsOf: stdoutURL), as: UTF8.self),
                stderr: String(decoding: try Data(contentsOf: stderrURL), as: UTF8.self)),
            reason: reason, timedOut: timedOut)
    }

    /// Starts `ocgate` in the background with only `environment`'s OCGATE_* variables; the test stops it.
    /// - Parameter standardError: where its stderr goes (a file a test reads while it runs), or nowhere.
    static func launch(
        _ arguments: [String], environment: [String: String], in directory: URL? = nil,
        standardError: FileHandle = .nullDevice
    ) throws -> Process {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("OCGATE_") }
            .merging(environment) { $1 }
        process.currentDirectoryURL = directory ?? packageRoot
        process.standardOutput = FileHandle.nullDevice
        process.standardError = standardError
        try process.run()
        return process
    }

    /// A fresh temporary directory for one test.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ocgate-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
