import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `ocgate serve`, started from this same binary as a process of its own, as an operator would run it. Its log
/// (stderr) is read as it is written: start-up waits for the `ocgate listening` line, and afterwards the log is
/// drained and only its tail kept, so a chatty `info` log never blocks the server on a full pipe.
final class ServedProcess {
    private let process: Process
    private let log: ServeLog
    /// Its stderr, read for as long as it runs: the handler lives only as long as this handle.
    private let errors: Pipe
    /// The loopback port it listens on.
    let port: Int
    private var interruptions: [any DispatchSourceSignal] = []

    var pid: Int32 { process.processIdentifier }

    private init(process: Process, log: ServeLog, errors: Pipe, port: Int) {
        self.process = process
        self.log = log
        self.errors = errors
        self.port = port
    }

    /// Starts `ocgate serve` with `arguments` on a free loopback port (`http.port`, and `gateway.public_url` to match,
    /// set in its environment) and returns once it logged that it listens. A port someone else bound in between
    /// makes it try another, three times at most; throws with the log's tail when it never listened.
    static func start(arguments: [String], environment: [String: String], in directory: URL) async throws -> ServedProcess {
        var failure: (any Error)?
        for _ in 1...3 {
            let port = try freeLoopbackPort()
            var environment = environment
            environment["OCGATE_HTTP_PORT"] = String(port)
            environment["OCGATE_GATEWAY_PUBLIC_URL"] = "http://127.0.0.1:\(port)"
            let served = try start(port: port, arguments: arguments, environment: environment, in: directory)
            do {
                _ = try await served.log.listening.value()
                return served
            } catch {
                served.stop()
                failure = error
            }
        }
        throw failure ?? CommandFailure("ocgate serve did not start")
    }

    private static func start(
        port: Int, arguments: [String], environment: [String: String], in directory: URL
    ) throws -> ServedProcess {
        let process = Process()
        process.executableURL = ownExecutable
        process.arguments = ["serve"] + arguments
        process.environment = environment
        process.currentDirectoryURL = directory
        let log = ServeLog()
        let errors = Pipe()
        errors.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil }
            log.read(data)
        }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors.fileHandleForWriting
        process.terminationHandler = { log.ended(status: $0.terminationStatus) }
        try process.run()
        // The child holds its own copy; ours would keep the pipe from ever reaching end-of-file.
        try? errors.fileHandleForWriting.close()
        return ServedProcess(process: process, log: log, errors: errors, port: port)
    }

    /// Sends SIGTERM (a graceful shutdown) and waits until the process ended, with SIGKILL after `grace`; returns
    /// its exit status. Calling it again returns the same status.
    @discardableResult
    func stop(grace: TimeInterval = 60) -> Int32 {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        if let status = log.exitStatus(waiting: grace) { return status }
        kill(process.processIdentifier, SIGKILL)
        return log.exitStatus(waiting: .infinity) ?? -1
    }

    /// From now on, SIGINT or SIGTERM to this process (Ctrl-C, a timeout) stops the served process too, waits a minute
    /// at most for it to end, removes `directory` and exits, instead of leaving a server running on a deleted spool.
    func stopOnInterrupt(removing directory: URL) {
        let pid = self.pid
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                kill(pid, SIGTERM)
                var waited = 0
                while kill(pid, 0) == 0, waited < 600 {
                    usleep(100_000)
                    waited += 1
                }
                try? FileManager.default.removeItem(at: directory)
                exit(128 + number)
            }
            source.resume()
            interruptions.append(source)
        }
    }

    /// The last lines the process logged (for a failure's message).
    var logTail: String { log.tail }

    /// A loopback port nobody listens on now: bound by the kernel's choice, then closed, for the served process to
    /// bind (`http.port` cannot be 0).
    static func freeLoopbackPort() throws -> Int {
        let handle = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard handle >= 0 else { throw CommandFailure("cannot open a socket to find a free port") }
        defer { close(handle) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(handle, $0, length) == 0 && getsockname(handle, $0, &length) == 0
            }
        }
        guard bound else { throw CommandFailure("cannot bind a loopback port to find a free one") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// The `ocgate` binary this process runs from, so the bench starts the very same build as its other processes.
var ownExecutable: URL {
    #if os(Linux)
    if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
        return URL(fileURLWithPath: path)
    }
    #endif
    return URL(fileURLWithPath: CommandLine.arguments[0]).absoluteURL
}

/// The served process's stderr as it arrives, and how the process ended.
///
/// `@unchecked Sendable`: every field is touched only under `lock`.
private final class ServeLog: @unchecked Sendable {
    let listening = PortSignal()
    private let lock = NSLock()
    private var recent = Data()
    private var heardListening = false
    private var status: Int32?
    private let exited = DispatchSemaphore(value: 0)
    private static let kept = 16 * 1024

    func read(_ data: Data) {
        let heard: Bool = lock.withLock {
            recent.append(data)
            if recent.count > 2 * Self.kept { recent = recent.suffix(Self.kept) }
            guard !heardListening, String(decoding: recent, as: UTF8.self).contains("ocgate listening") else { return false }
            heardListening = true
            return true
        }
        if heard { listening.send(0) }
    }

    func ended(status: Int32) {
        lock.withLock { self.status = status }
        exited.signal()
        listening.fail(CommandFailure("ocgate serve ended (status \(status)) before it listened: \(tail)"))
    }

    var tail: String {
        lock.withLock { String(decoding: recent.suffix(Self.kept / 4), as: UTF8.self) }
    }

    /// The exit status once the process ended, waiting at most `seconds` for it.
    func exitStatus(waiting seconds: TimeInterval) -> Int32? {
        if let status = lock.withLock({ status }) { return status }
        let deadline: DispatchTime = seconds.isFinite ? .now() + seconds : .distantFuture
        guard exited.wait(timeout: deadline) == .success else { return nil }
        exited.signal()  // for whoever asks next
        return lock.withLock { status }
    }
}
