import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `ocgate bench serve-load` (hidden): `bench serve`'s load generator, in a process of its own so it does not share
/// the measured server's address space or thread pool. It replays a file of requests, already signed and
/// serialised, over keep-alive connections to a loopback port and prints one JSON line (`LoadSummary`). With
/// `--rate` it reads the file as a stream (the bench's pipe) while it sends, on an open schedule.
struct ServeLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve-load", abstract: "The load generator of `ocgate bench serve`.", shouldDisplay: false)

    @Option(help: "The loopback port the server listens on.") var port: Int
    @Option(help: "Concurrent keep-alive connections.") var connections: Int
    @Option(help: "The requests, as written by `bench serve` (WireRequests).") var requestsFile: String
    @Option(help: "Requests per second on an open schedule, read from the file as it is written (0: all at once).")
    var rate = 0

    func validate() throws {
        guard (1...65535).contains(port), connections > 0, rate >= 0 else {
            throw ValidationError("--port, --connections and --rate must be valid")
        }
    }

    func run() async throws {
        let summary = rate > 0 ? try await paced() : try await allAtOnce()
        print(String(decoding: try JSONEncoder().encode(summary), as: UTF8.self))
    }

    private func allAtOnce() async throws -> LoadSummary {
        let wire = try WireRequests.read(from: URL(fileURLWithPath: requestsFile))
        do {
            return LoadSummary(
                try await KeepAliveLoad.run(wire: wire, port: port, connections: connections, timeout: .seconds(30)))
        } catch {
            return LoadSummary(requests: wire.count, failure: "\(error)")
        }
    }

    /// Two seconds of requests read ahead: enough to bridge the writer's signing of its next chunk.
    private func paced() async throws -> LoadSummary {
        guard let input = FileHandle(forReadingAtPath: requestsFile) else { throw CommandFailure("cannot read \(requestsFile)") }
        let stream = PacedWireStream(input, rate: rate, ahead: max(2 * rate, 64))
        do {
            let run = try await KeepAliveLoad.run(from: stream, port: port, connections: connections, timeout: .seconds(30))
            if let failure = stream.failure { return LoadSummary(requests: run.latencies.count, failure: failure) }
            return LoadSummary(run)
        } catch {
            return LoadSummary(requests: stream.handedOut, failure: "\(error)")
        }
    }
}

/// One load run as the load generator reports it to `bench serve`.
struct LoadSummary: Codable, Equatable {
    var requests: Int
    /// Exchanges that got an answer, of any status.
    var answered = 0
    var seconds = 0.0
    var p50Ms = 0.0
    var p99Ms = 0.0
    var p999Ms = 0.0
    /// Answers per HTTP status code.
    var statuses: [String: Int] = [:]
    /// Why the load stopped early (a refused or closed connection, a silent server): no request was counted.
    var failure: String?

    var perSecond: Double { seconds > 0 ? Double(answered) / seconds : 0 }
    var ok: Int { statuses["200"] ?? 0 }
    /// Requests not answered 200: other statuses, and every request of a run that failed.
    var errors: Int { requests - ok }

    init(requests: Int, failure: String) {
        self.requests = requests
        self.failure = failure
    }

    init(_ run: LoadRun) {
        requests = run.latencies.count
        answered = run.latencies.count
        seconds = run.seconds
        p50Ms = run.percentile(0.5)
        p99Ms = run.percentile(0.99)
        p999Ms = run.percentile(0.999)
        statuses = Dictionary(uniqueKeysWithValues: run.statuses.map { (String($0.key), $0.value) })
    }

    enum CodingKeys: String, CodingKey {
        case requests, answered, seconds, statuses, failure
        case p50Ms = "p50_ms", p99Ms = "p99_ms", p999Ms = "p999_ms"
    }
}

/// Serialised requests in a file or a stream: each a 4-byte big-endian length, then that many bytes.
enum WireRequests {
    static func write(_ requests: [[UInt8]], to url: URL) throws {
        try Data(frames(requests)).write(to: url)
    }

    /// The requests framed, one after another.
    static func frames(_ requests: [[UInt8]]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(requests.reduce(0) { $0 + 4 + $1.count })
        for request in requests {
            let length = UInt32(request.count)
            bytes += [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
            bytes += request
        }
        return bytes
    }

    static func read(from url: URL) throws -> [[UInt8]] {
        var reader = Reader(name: url.path)
        return try reader.feed(Data(contentsOf: url)) + reader.finish()
    }

    /// Frames out of bytes as they arrive, in pieces of any size.
    struct Reader {
        let name: String
        private var pending: [UInt8] = []

        init(name: String = "the requests' stream") { self.name = name }

        /// The frames `data` completed; a frame it began waits for the next piece.
        mutating func feed(_ data: Data) throws -> [[UInt8]] {
            pending += data
            var requests: [[UInt8]] = []
            var offset = 0
            while offset + 4 <= pending.count {
                let length = pending[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
                guard offset + 4 + length <= pending.count else { break }
                requests.append(Array(pending[offset + 4..<offset + 4 + length]))
                offset += 4 + length
            }
            pending.removeFirst(offset)
            return requests
        }

        /// At the end of the bytes: throws if a frame was cut short.
        func finish() throws -> [[UInt8]] {
            guard pending.isEmpty else {
                throw CommandFailure("\(name): \(pending.count < 4 ? "a length" : "a request") cut short")
            }
            return []
        }
    }
}

extension ServeLoadCommand {
    /// Runs the load generator as a process of its own on `requests` (written to `file` first) and returns what it
    /// reported.
    static func launch(
        _ requests: [[UInt8]], port: Int, connections: Int, file: URL, environment: [String: String]
    ) async throws -> LoadSummary {
        try WireRequests.write(requests, to: file)
        return try await launch(
            ["--port", String(port), "--connections", String(connections), "--requests-file", file.path],
            output: file, environment: environment)
    }

    /// Runs the load generator on an open schedule of `rate` requests/s, its requests streamed through a pipe: a
    /// thread of its own writes each chunk `next` returns until it returns nil, blocking while the generator has
    /// enough read ahead, so only a few seconds of requests exist at any time. `output` names its output files.
    static func launchPaced(
        rate: Int, port: Int, connections: Int, output: URL, environment: [String: String],
        next: @escaping @Sendable () -> [[UInt8]]?
    ) async throws -> LoadSummary {
        signal(SIGPIPE, SIG_IGN)  // a generator that stopped early ends the feed with EPIPE, not this process
        let pipe = Pipe()
        let feed = pipe.fileHandleForWriting
        return try await launch(
            [
                "--port", String(port), "--connections", String(connections), "--rate", String(rate),
                "--requests-file", "/dev/stdin",
            ], output: output, environment: environment, input: pipe
        ) {
            // The child holds its own copy of the read end; ours would keep a write to a stopped generator blocking.
            try? pipe.fileHandleForReading.close()
            Thread {
                defer { try? feed.close() }  // the end of the stream: the generator finishes what it read
                while let chunk = next(), writeAll(WireRequests.frames(chunk), to: feed.fileDescriptor) {}
            }.start()
        }
    }

    /// Writes all of `bytes`; false once the reader is gone.
    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, bytes.count - offset) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }

    /// Runs `ocgate bench serve-load` with `arguments` and returns the summary it printed; its output goes through
    /// files named after `output`, so neither side blocks on a pipe. `started` runs once the process did.
    private static func launch(
        _ arguments: [String], output: URL, environment: [String: String], input: Pipe? = nil,
        started: () -> Void = {}
    ) async throws -> LoadSummary {
        let (stdoutURL, stderrURL) = (output.appendingPathExtension("out"), output.appendingPathExtension("err"))
        for url in [stdoutURL, stderrURL] { _ = FileManager.default.createFile(atPath: url.path, contents: nil) }
        let (stdout, stderr) = (try FileHandle(forWritingTo: stdoutURL), try FileHandle(forWritingTo: stderrURL))
        defer { try? stdout.close(); try? stderr.close() }
        let process = Process()
        process.executableURL = ownExecutable
        process.arguments = ["bench", "serve-load"] + arguments
        process.environment = environment
        if let input { process.standardInput = input }
        process.standardOutput = stdout
        process.standardError = stderr
        let status: Int32 = try await withCheckedThrowingContinuation { ended in
            process.terminationHandler = { ended.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
                started()
            } catch {
                process.terminationHandler = nil
                ended.resume(throwing: error)
            }
        }
        let printed = String(decoding: try Data(contentsOf: stdoutURL), as: UTF8.self)
        guard status == 0, let line = printed.split(separator: "\n").last,
            let summary = try? JSONDecoder().decode(LoadSummary.self, from: Data(line.utf8))
        else {
            let errors = String(decoding: try Data(contentsOf: stderrURL), as: UTF8.self)
            throw CommandFailure("the load generator ended with status \(status): \(errors)\(printed)")
        }
        return summary
    }
}
