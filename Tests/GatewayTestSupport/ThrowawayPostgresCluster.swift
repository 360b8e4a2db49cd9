import Foundation

/// A PostgreSQL cluster of one test's own (`scripts/postgres-test-cluster` on a free loopback port and a data
/// directory of its own), for a test that crashes or restarts the server: the shared test cluster
/// (`OCGATE_TEST_POSTGRES_URL`) serves every other test running in parallel and must never go down under them.
///
/// Missing PostgreSQL binaries (which the script installs on Debian, or fails) make `start` throw: the test fails,
/// never skips. `stop()` stops the server and deletes its data; call it when the test ends, also on failure.
public final class ThrowawayPostgresCluster: Sendable {
    public let port: Int
    /// The data directory (its certificates go to `<directory>-tls`).
    public let directory: String
    /// The server's URL, on its `postgres` database, like `OCGATE_TEST_POSTGRES_URL`.
    public let url: String

    /// A script or `psql` run that did not succeed.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    private init(port: Int, directory: String, url: String) {
        self.port = port
        self.directory = directory
        self.url = url
    }

    /// Makes and starts a cluster on a loopback port nobody listens on; returns once it takes connections.
    public static func start() async throws -> ThrowawayPostgresCluster {
        let port = closedLoopbackPort()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ocgate-pg-own-\(port)-\(UUID().uuidString.prefix(8))").path
        let cluster = ThrowawayPostgresCluster(port: port, directory: directory, url: "")
        let url = try await cluster.script([]).trimmingCharacters(in: .whitespacesAndNewlines)
        guard url.hasPrefix("postgres://") else { throw Failure(description: "postgres-test-cluster printed \(url)") }
        return ThrowawayPostgresCluster(port: port, directory: directory, url: url)
    }

    /// `pg_ctl restart -m immediate`: every connection is cut without warning, as in a crash, and the server
    /// recovers from its WAL. Returns once it takes connections again.
    public func restartImmediately() async throws {
        _ = try await script(["--restart-immediate"])
    }

    /// Stops the server and deletes its data directory. Blocks: for a `defer`.
    public func stop() {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.script)
        process.arguments = ["--stop"]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return }
        process.waitUntilExit()
    }

    /// Runs `sql` with `psql` on `database`; returns its rows, each as its `|`-separated fields.
    public func query(_ sql: String, database: String) async throws -> [[String]] {
        guard var parts = URLComponents(string: url) else { throw Failure(description: "\(url) is not a URL") }
        parts.path = "/" + database
        let target = parts.string ?? ""
        let output = try await Self.run(
            try Self.psql(), ["-X", "-q", "-A", "-t", "-F", "|", "-v", "ON_ERROR_STOP=1", "-d", target, "-c", sql])
        return output.split(separator: "\n").map { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) }
    }

    /// The TCP connections `processes` hold to this server, as `ss` sees them: each one's local port (the server's
    /// `pg_stat_activity.client_port`) with its process id.
    public func connections(of processes: [Int32]) async throws -> [Int: Int32] {
        let listing = try await Self.run("/usr/bin/ss", ["-H", "-t", "-n", "-p"])
        let pattern = /127\.0\.0\.1:(\d+)\s+127\.0\.0\.1:(\d+)\s+users:\(\("[^"]*",pid=(\d+),/
        var found: [Int: Int32] = [:]
        for line in listing.split(separator: "\n") {
            guard let match = line.firstMatch(of: pattern), Int(match.2) == port, let local = Int(match.1),
                let pid = Int32(match.3), processes.contains(pid)
            else { continue }
            found[local] = pid
        }
        return found
    }

    private var environment: [String: String] {
        // No pgbouncer: nothing of this cluster's tests goes through one, and its port + 1000 may be anyone's.
        ["OCGATE_TEST_POSTGRES_PORT": String(port), "OCGATE_TEST_POSTGRES_DIR": directory, "OCGATE_TEST_PGBOUNCER": "off"]
    }

    private func script(_ arguments: [String]) async throws -> String {
        try await Self.run(Self.script, arguments, environment: environment)
    }

    private static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/postgres-test-cluster").path

    /// The newest installed `psql`, where the script finds `initdb`.
    private static func psql() throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted {
            $0.compare($1, options: .numeric) == .orderedAscending
        }
        guard let newest = versions.last else { throw Failure(description: "no PostgreSQL under \(root)") }
        return "\(root)/\(newest)/bin/psql"
    }

    /// Runs `executable` to its end without blocking a thread (output through files, the end through the termination
    /// handler: a blocking `waitUntilExit` on a dispatch thread never saw the child end while the pool was busy); its
    /// stdout, or a `Failure` with its stderr when it exits non-zero.
    private static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> String {
        let outputs = FileManager.default.temporaryDirectory.appendingPathComponent("ocgate-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: outputs, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: outputs) }
        let (stdoutURL, stderrURL) = (outputs.appendingPathComponent("stdout"), outputs.appendingPathComponent("stderr"))
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        let (stdout, stderr) = (try FileHandle(forWritingTo: stdoutURL), try FileHandle(forWritingTo: stderrURL))
        defer { try? stdout.close(); try? stderr.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = stdout
        process.standardError = stderr
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        guard status == 0 else {
            throw Failure(
                description: "\((executable as NSString).lastPathComponent) \(arguments.joined(separator: " ")) exited "
                    + "\(status): \(String(decoding: try Data(contentsOf: stderrURL), as: UTF8.self))")
        }
        return String(decoding: try Data(contentsOf: stdoutURL), as: UTF8.self)
    }
}
