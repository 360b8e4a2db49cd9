import ArgumentParser
import Foundation

/// `ocgate bench serve-load` (hidden): `bench serve`'s load generator, in a process of its own so it does not share
/// the measured server's address space or thread pool. It replays a file of requests, already signed and
/// serialised, over keep-alive connections to a loopback port and prints one JSON line (`LoadSummary`).
struct ServeLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve-load", abstract: "The load generator of `ocgate bench serve`.", shouldDisplay: false)

    @Option(help: "The loopback port the server listens on.") var port: Int
    @Option(help: "Concurrent keep-alive connections.") var connections: Int
    @Option(help: "The requests, as written by `bench serve` (WireRequests).") var requestsFile: String

    func validate() throws {
        guard (1...65535).contains(port), connections > 0 else { throw ValidationError("--port and --connections must be valid") }
    }

    func run() async throws {
        let wire = try WireRequests.read(from: URL(fileURLWithPath: requestsFile))
        let summary: LoadSummary
        do {
            summary = LoadSummary(
                try await KeepAliveLoad.run(wire: wire, port: port, connections: connections, timeout: .seconds(30)))
        } catch {
            summary = LoadSummary(requests: wire.count, failure: "\(error)")
        }
        print(String(decoding: try JSONEncoder().encode(summary), as: UTF8.self))
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

/// Serialised requests in a file: each a 4-byte big-endian length, then that many bytes.
enum WireRequests {
    static func write(_ requests: [[UInt8]], to url: URL) throws {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(requests.reduce(0) { $0 + 4 + $1.count })
        for request in requests {
            let length = UInt32(request.count)
            bytes += [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
            bytes += request
        }
        try Data(bytes).write(to: url)
    }

    static func read(from url: URL) throws -> [[UInt8]] {
        let bytes = [UInt8](try Data(contentsOf: url))
        var requests: [[UInt8]] = []
        var offset = 0
        while offset < bytes.count {
            guard offset + 4 <= bytes.count else { throw CommandFailure("\(url.path): a length cut short") }
            let length = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            offset += 4
            guard offset + length <= bytes.count else { throw CommandFailure("\(url.path): a request cut short") }
            requests.append(Array(bytes[offset..<offset + length]))
            offset += length
        }
        return requests
    }
}

extension ServeLoadCommand {
    /// Runs the load generator as a process of its own on `requests` (written to `file` first) and returns what it
    /// reported; its output goes through files, so neither side blocks on a pipe.
    static func launch(
        _ requests: [[UInt8]], port: Int, connections: Int, file: URL, environment: [String: String]
    ) async throws -> LoadSummary {
        try WireRequests.write(requests, to: file)
        let (stdoutURL, stderrURL) = (file.appendingPathExtension("out"), file.appendingPathExtension("err"))
        for url in [stdoutURL, stderrURL] { _ = FileManager.default.createFile(atPath: url.path, contents: nil) }
        let (stdout, stderr) = (try FileHandle(forWritingTo: stdoutURL), try FileHandle(forWritingTo: stderrURL))
        defer { try? stdout.close(); try? stderr.close() }
        let process = Process()
        process.executableURL = ownExecutable
        process.arguments = [
            "bench", "serve-load", "--port", String(port), "--connections", String(connections), "--requests-file", file.path,
        ]
        process.environment = environment
        process.standardOutput = stdout
        process.standardError = stderr
        let status: Int32 = try await withCheckedThrowingContinuation { ended in
            process.terminationHandler = { ended.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch {
                process.terminationHandler = nil
                ended.resume(throwing: error)
            }
        }
        let output = String(decoding: try Data(contentsOf: stdoutURL), as: UTF8.self)
        guard status == 0, let line = output.split(separator: "\n").last,
            let summary = try? JSONDecoder().decode(LoadSummary.self, from: Data(line.utf8))
        else {
            let errors = String(decoding: try Data(contentsOf: stderrURL), as: UTF8.self)
            throw CommandFailure("the load generator ended with status \(status): \(errors)\(output)")
        }
        return summary
    }
}
