import Foundation
import GatewayOutbound
import GatewaySimulator
import GatewayStore
import GatewayTestSupport
import Logging
import Opencharge

/// `ocgate serve --no-workers` (or with its workers) as a real process on a loopback port, with a fresh spool and key
/// and a registry that resolves the given parties, for tests that talk HTTP to it. `start` returns once the process
/// has logged that it listens: that line is awaited on its stderr, not polled for.
final class ServedGateway {
    let process: Process
    private let errors: ListeningSignal
    let directory: URL
    let port: Int
    let key: PrivateKey
    /// What `gateway.public_url` is set to.
    let publicURL: String
    /// `http://127.0.0.1:{port}`: the socket, without any base path.
    var socket: String { "http://127.0.0.1:\(port)" }
    /// The `OCGATE_*` settings the server runs with: the same spool, key and registry for operator commands.
    let environment: [String: String]
    /// The PostgreSQL database the server's store is on, if not the spool's SQLite file; dropped after the server.
    let database: PostgresSpoolDatabase?

    private init(
        process: Process, errors: ListeningSignal, directory: URL, port: Int, key: PrivateKey, publicURL: String,
        environment: [String: String], database: PostgresSpoolDatabase?
    ) {
        self.database = database
        self.errors = errors
        self.environment = environment
        self.process = process
        self.directory = directory
        self.port = port
        self.key = key
        self.publicURL = publicURL
    }

    /// - Parameters:
    ///   - parties: published on loopback and listed in the registry file (partners are open).
    ///   - basePath: `http.base_path`; `gateway.public_url` is the socket's URL followed by it.
    ///   - workers: run the in-process workers and the recurring scheduler too.
    ///   - settings: `OCGATE_*` settings over the defaults here (the log level is `notice` unless set).
    ///   - backend: where the store is: the spool's SQLite file, or a fresh PostgreSQL database of the test's own.
    static func start(
        resolving parties: [SimulatedParty], basePath: String = "", workers: Bool = false, settings: [String: String] = [:],
        backend: TestBackend = .sqlite
    ) async throws -> ServedGateway {
        let database = try await PostgresSpoolDatabase.make(for: backend)
        let directory = try OCGateProcess.temporaryDirectory()
        let keyFile = directory.appendingPathComponent("gateway.key").path
        let key = PrivateKey.generate()
        try KeyFile.write(key, to: keyFile, replacing: false)
        let registry = directory.appendingPathComponent("registry.toml")
        try await MetadataServer.shared.publishRegistry(of: parties, to: registry)
        let port = closedLoopbackPort()
        let publicURL = "http://127.0.0.1:\(port)" + basePath
        let errors = Pipe()
        let listening = ListeningSignal()
        errors.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil }
            listening.read(data)
        }
        let environment = [
            "OCGATE_SPOOL_DIR": directory.appendingPathComponent("spool").path, "OCGATE_GATEWAY_KEY_FILE": keyFile,
            "OCGATE_GATEWAY_PUBLIC_URL": publicURL, "OCGATE_HTTP_BASE_PATH": basePath,
            "OCGATE_REGISTRY_FILE": registry.path, "OCGATE_HTTP_PORT": String(port), "OCGATE_PARTNERS_OPEN": "true",
            "OCGATE_LOG_LEVEL": "notice",
        ].merging(database?.environment ?? [:]) { $1 }.merging(settings) { $1 }
        let process = try OCGateProcess.launch(
            ["serve", "--config", configPath] + (workers ? [] : ["--no-workers"]), environment: environment, in: directory,
            standardError: errors.fileHandleForWriting)
        process.terminationHandler = { _ in listening.exited() }
        // The child holds its own copy; ours would keep the pipe from ever reaching end-of-file.
        try? errors.fileHandleForWriting.close()
        do {
            try await listening.value()
        } catch {
            process.terminate()
            throw error
        }
        return ServedGateway(
            process: process, errors: listening, directory: directory, port: port, key: key, publicURL: publicURL,
            environment: environment, database: database)
    }

    /// Everything the process wrote to stderr so far.
    var standardError: String { errors.text }

    /// The spool's `inbox/new`, `inbox/tmp` and `outbox` folders.
    var spool: URL { directory.appendingPathComponent("spool") }

    private static var configPath: String { OCGateProcess.packageRoot.appendingPathComponent("config/ocgate.toml").path }

    /// Runs an operator command (`jobs drain`, `jobs resume` …) in a process of its own on this server's spool, as an
    /// operator on the same host would, and waits for it to end.
    func ocgate(_ arguments: [String]) async throws -> OCGateProcess.Ending {
        try await OCGateProcess.run(
            arguments + ["--config", Self.configPath], environment: environment, in: directory, timeout: .seconds(60))
    }

    /// Stops the process and waits for it to end.
    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

/// Keeps the server's stderr; resolves once its "ocgate listening" line has been read, or fails when the process
/// ended without it.
///
/// `@unchecked Sendable`: every field is touched only under `lock`.
private final class ListeningSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var received = ""
    private var outcome: Result<Void, ServeFailure>?
    private var waiter: CheckedContinuation<Void, any Error>?

    /// Everything read so far.
    var text: String { lock.withLock { received } }

    func read(_ data: Data) {
        lock.withLock {
            received += String(decoding: data, as: UTF8.self)
            if received.contains("ocgate listening") { settle(.success(())) }
        }
    }

    func exited() {
        lock.withLock { settle(.failure(ServeFailure(description: "ocgate serve ended without listening:\n\(received)"))) }
    }

    func value() async throws {
        try await withCheckedThrowingContinuation { continuation in
            lock.withLock {
                if let outcome { continuation.resume(with: outcome) } else { waiter = continuation }
            }
        }
    }

    /// Called under `lock`; the first outcome stands.
    private func settle(_ result: Result<Void, ServeFailure>) {
        guard outcome == nil else { return }
        outcome = result
        waiter?.resume(with: result)
        waiter = nil
    }
}

struct ServeFailure: Error, CustomStringConvertible {
    let description: String
}
