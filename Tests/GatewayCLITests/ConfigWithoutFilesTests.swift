import Foundation
import GatewayOutbound
import GatewayTestSupport
import Logging
import Opencharge
import Testing

/// A container, or a test run from another folder, needs no configuration files: a missing default file means the
/// built-in defaults and the environment, while a file named on purpose must exist (issue 18, item 5).
@Suite("configuration without files")
struct ConfigWithoutFilesTests {
    let client = OutboundClient(policy: OutboundPolicy(allowLoopback: true), maxConnections: 2, logger: Logger(label: "test"))

    /// An empty folder to run in, and the environment that names every required key; the key lives elsewhere.
    private static func emptyFolderAndEnvironment(port: Int = 8080) throws -> (folder: URL, environment: [String: String]) {
        let key = try OCGateProcess.temporaryDirectory().appendingPathComponent("gateway.key").path
        try KeyFile.write(PrivateKey.generate(), to: key, replacing: false)
        let environment = [
            "OCGATE_GATEWAY_OCID": "200", "OCGATE_GATEWAY_NAME": "Gateway from the environment",
            "OCGATE_GATEWAY_KEY_FILE": key, "OCGATE_GATEWAY_PUBLIC_URL": "http://127.0.0.1:\(port)",
            "OCGATE_GATEWAY_CURRENCIES": "USD", "OCGATE_HTTP_PORT": String(port), "OCGATE_LOG_LEVEL": "error",
        ]
        return (try OCGateProcess.temporaryDirectory(), environment)
    }

    private func get(_ port: Int, _ path: String) async throws -> OutboundResponse {
        try await client.send(OutboundRequest(method: "GET", url: "http://127.0.0.1:\(port)\(path)", timeout: .seconds(5)))
    }

    private static func lines(_ text: String) -> [Substring] { text.split(separator: "\n") }

    @Test("serve runs from an empty folder on the environment alone and answers /ready and /metadata.json")
    func serveWithoutFiles() async throws {
        let port = closedLoopbackPort()
        let (folder, environment) = try Self.emptyFolderAndEnvironment(port: port)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
        let errors = try OCGateProcess.temporaryDirectory().appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        let server = try OCGateProcess.launch(
            ["serve"], environment: environment, in: folder, standardError: try FileHandle(forWritingTo: errors))
        defer {
            if server.isRunning { server.terminate() }
            server.waitUntilExit()
        }
        // Ends early when the process does: a refusal to start must not be waited out.
        let answered = try await eventually {
            guard server.isRunning else { return true }
            return (try? await get(port, "/ready"))?.status == 200
        }
        let stderr = try String(contentsOf: errors, encoding: .utf8)
        #expect(answered && server.isRunning, "\(stderr)")
        guard server.isRunning else { return }

        let metadata = try await get(port, "/metadata.json")
        #expect(metadata.status == 200)
        #expect(try JSONParser.parse(metadata.body)["name"] == "Gateway from the environment")
        // spool.dir's default is relative: the spool was made in the folder serve started in.
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("spool/ocgate.db").path))
        server.terminate()
        server.waitUntilExit()
        #expect(server.terminationReason == .exit)
        #expect(server.terminationStatus == 0)
    }

    @Test("config check from an empty folder shows the environment over the built-in defaults")
    func configCheckWithoutFiles() async throws {
        let (folder, environment) = try Self.emptyFolderAndEnvironment()
        let ending = try await OCGateProcess.run(["config", "check"], environment: environment, in: folder, timeout: .seconds(60))
        #expect(ending.exited)
        #expect(ending.result.status == 0, "\(ending.result.stderr)")
        #expect(ending.result.stdout.contains("gateway.name = Gateway from the environment"))
        #expect(ending.result.stdout.contains("http.port = 8080"))
        #expect(ending.result.stdout.contains("registry.file = config/registry.toml"))
    }

    @Test("without a file a missing required key names its variable and the file that was not there")
    func missingKeyWithoutFiles() async throws {
        let folder = try OCGateProcess.temporaryDirectory()
        let ending = try await OCGateProcess.run(["config", "check"], in: folder, timeout: .seconds(60))
        #expect(ending.exited)
        #expect(ending.result.status == 1)
        #expect(Self.lines(ending.result.stderr).count == 1, "\(ending.result.stderr)")
        #expect(
            ending.result.stderr.contains(
                "gateway.ocid (no config file, config/ocgate.toml does not exist): required key is missing (set it with OCGATE_GATEWAY_OCID)"),
            "\(ending.result.stderr)")
    }

    @Test(
        "a file named on purpose must exist: one line and exit 1, for config check and for serve",
        arguments: [
            (["--config", "missing.toml"], [:], "file missing.toml: file not found"),
            ([], ["OCGATE_CONFIG": "missing.toml"], "file missing.toml: file not found"),
            ([], ["OCGATE_CONFIG": ""], "env OCGATE_CONFIG: the file name is empty"),
            ([], ["OCGATE_REGISTRY_FILE": "missing-registry.toml"], "file missing-registry.toml: file not found"),
        ] as [([String], [String: String], String)])
    func namedFilesMustExist(arguments: [String], overrides: [String: String], message: String) async throws {
        let (folder, environment) = try Self.emptyFolderAndEnvironment(port: closedLoopbackPort())
        // config check does not read the registry; serve reads every file before it listens.
        let verbs = overrides["OCGATE_REGISTRY_FILE"] == nil ? [["config", "check"], ["serve"]] : [["serve"]]
        for verb in verbs {
            let ending = try await OCGateProcess.run(
                verb + arguments, environment: environment.merging(overrides) { $1 }, in: folder, timeout: .seconds(60))
            #expect(ending.exited, "\(verb): \(ending.result.stderr)")
            #expect(ending.result.status == 1, "\(verb): \(ending.result.stderr)")
            #expect(Self.lines(ending.result.stderr) == ["Error: config: \(message)"], "\(verb)")
        }
    }

    @Test("--config with an empty name is a usage error")
    func emptyConfigOption() async throws {
        let ending = try await OCGateProcess.run(["config", "check", "--config", ""], timeout: .seconds(60))
        #expect(ending.exited)
        #expect(ending.result.status == 2)
        #expect(Self.lines(ending.result.stderr) == ["Error: --config needs a file name"])
    }
}
