import Foundation
import GatewayOutbound
import GatewayTestSupport
import Logging
import Opencharge
import Testing

/// `ocgate keys rotate` and `keys show` as an operator runs them.
struct KeysRotateCommandTests {
    let config = OCGateProcess.packageRoot.appendingPathComponent("config/ocgate.toml").path

    /// A fresh key file in its own directory, and the environment pointing the shipped config at it.
    func prepare() throws -> (directory: URL, keyPath: String, key: PrivateKey, environment: [String: String]) {
        let directory = try OCGateProcess.temporaryDirectory()
        let keyPath = directory.appendingPathComponent("gateway.key").path
        let key = PrivateKey.generate()
        try KeyFile.write(key, to: keyPath, replacing: false)
        return (directory, keyPath, key, ["OCGATE_GATEWAY_KEY_FILE": keyPath])
    }

    func lines(_ text: String) -> [Substring] { text.split(separator: "\n") }

    @Test func rotateReplacesTheKeyFileKeepingItPrivate() throws {
        let (_, keyPath, old, environment) = try prepare()
        let result = try OCGateProcess.run(["keys", "rotate", "--config", config], environment: environment)
        #expect(result.status == 0)
        let new = try KeyFile.load(path: keyPath)
        #expect(new.publicKey != old.publicKey)
        #expect(try FileManager.default.attributesOfItem(atPath: keyPath)[.posixPermissions] as? Int == 0o600)
        #expect(result.stdout.contains("old public key: \(old.publicKey.hex)"))
        #expect(result.stdout.contains("new public key: \(new.publicKey.hex)"))
        #expect(result.stdout.contains("restart `ocgate serve`"))

        let shown = try OCGateProcess.run(["keys", "show", "--config", config], environment: environment)
        #expect(shown.status == 0)
        let shownLines = lines(shown.stdout)
        #expect(shownLines.first == Substring(new.publicKey.hex))
        #expect(shownLines.count == 2)
        #expect(shownLines.last?.hasPrefix("previous key: \(old.publicKey.hex) (published until ") == true)
    }

    @Test func rotateReportsAsJSONWithTheConfiguredGrace() throws {
        let (_, keyPath, old, environment) = try prepare()
        let result = try OCGateProcess.run(
            ["keys", "rotate", "--json", "--config", config], environment: environment.merging(["OCGATE_GATEWAY_PREVIOUS_KEY_GRACE": "2h"]) { $1 })
        #expect(result.status == 0)
        let report = try JSONParser.parse(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(report["oldPublicKey"]?.stringValue == old.publicKey.hex)
        #expect(report["newPublicKey"]?.stringValue == (try KeyFile.load(path: keyPath)).publicKey.hex)
        let rotatedAt = try #require(report["rotatedAt"]?.numberValue?.int64Value)
        #expect(report["graceUntil"]?.numberValue?.int64Value == rotatedAt + 7200)
        let oldKeyFile = try #require(report["oldKeyFile"]?.stringValue)
        #expect(try KeyFile.load(path: oldKeyFile).publicKey == old.publicKey)

        let shown = try OCGateProcess.run(["keys", "show", "--json", "--config", config], environment: environment)
        let keys = try JSONParser.parse(shown.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(keys["previousKey"]?.stringValue == old.publicKey.hex)
        #expect(keys["previousKeyUntil"]?.numberValue?.int64Value == rotatedAt + 7200)
    }

    @Test func aSecondRotationWithinTheGraceIsRefusedUnlessForced() throws {
        let (_, keyPath, _, environment) = try prepare()
        #expect(try OCGateProcess.run(["keys", "rotate", "--config", config], environment: environment).status == 0)
        let afterFirst = try KeyFile.load(path: keyPath).publicKey
        let refused = try OCGateProcess.run(["keys", "rotate", "--config", config], environment: environment)
        #expect(refused.status == 1)
        #expect(lines(refused.stderr).count == 1)
        #expect(refused.stderr.contains("--force"))
        #expect(try KeyFile.load(path: keyPath).publicKey == afterFirst)
        let forced = try OCGateProcess.run(["keys", "rotate", "--force", "--config", config], environment: environment)
        #expect(forced.status == 0)
        #expect(forced.stdout.contains("old public key: \(afterFirst.hex)"))
        #expect(try KeyFile.load(path: keyPath).publicKey != afterFirst)
    }

    @Test func aZeroGracePublishesNoPreviousKey() throws {
        let (_, _, _, environment) = try prepare()
        let result = try OCGateProcess.run(["keys", "rotate", "--grace", "0s", "--config", config], environment: environment)
        #expect(result.status == 0)
        #expect(result.stdout.contains("not published"))
        let shown = try OCGateProcess.run(["keys", "show", "--config", config], environment: environment)
        #expect(lines(shown.stdout).count == 1)
        // Nothing is published, so nothing blocks the next rotation.
        #expect(try OCGateProcess.run(["keys", "rotate", "--config", config], environment: environment).status == 0)
    }

    @Test func aBadGraceIsOneLineAndChangesNothing() throws {
        let (_, keyPath, old, environment) = try prepare()
        let result = try OCGateProcess.run(["keys", "rotate", "--grace", "soon", "--config", config], environment: environment)
        #expect(result.status == 1)
        #expect(lines(result.stderr).count == 1)
        #expect(result.stderr.contains("--grace soon"))
        #expect(try KeyFile.load(path: keyPath).publicKey == old.publicKey)
        #expect(!FileManager.default.fileExists(atPath: keyPath + ".previous"))
    }

    @Test func aMissingKeyFileIsAClearError() throws {
        let directory = try OCGateProcess.temporaryDirectory()
        let keyPath = directory.appendingPathComponent("gateway.key").path
        let result = try OCGateProcess.run(
            ["keys", "rotate", "--config", config], environment: ["OCGATE_GATEWAY_KEY_FILE": keyPath])
        #expect(result.status == 1)
        #expect(lines(result.stderr).count == 1)
        #expect(result.stderr.contains("\(keyPath) does not exist"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test func aConfiguredPreviousKeyIsNotSilentlyHidden() throws {
        let (_, keyPath, old, environment) = try prepare()
        let result = try OCGateProcess.run(
            ["keys", "rotate", "--config", config],
            environment: environment.merging(["OCGATE_GATEWAY_PREVIOUS_KEY": PrivateKey.generate().publicKey.hex]) { $1 })
        #expect(result.status == 1)
        #expect(result.stderr.contains("gateway.previous_key"))
        #expect(try KeyFile.load(path: keyPath).publicKey == old.publicKey)
    }

    @Test func servedMetadataCarriesBothKeysAfterARestart() async throws {
        let (directory, keyPath, old, environment) = try prepare()
        #expect(try OCGateProcess.run(["keys", "rotate", "--config", config], environment: environment).status == 0)
        let new = try KeyFile.load(path: keyPath)
        let registry = directory.appendingPathComponent("registry.toml")
        try Data().write(to: registry)
        let port = closedLoopbackPort()
        let server = try OCGateProcess.launch(
            ["serve", "--no-workers", "--config", config],
            environment: environment.merging([
                "OCGATE_SPOOL_DIR": directory.appendingPathComponent("spool").path, "OCGATE_REGISTRY_FILE": registry.path,
                "OCGATE_HTTP_PORT": String(port), "OCGATE_LOG_LEVEL": "error",
            ]) { $1 }, in: directory)
        defer { server.terminate() }
        let client = OutboundClient(policy: OutboundPolicy(allowLoopback: true), maxConnections: 1, logger: Logger(label: "test"))
        let request = OutboundRequest(method: "GET", url: "http://127.0.0.1:\(port)/metadata.json", timeout: .seconds(1))
        var body: [UInt8]?
        _ = try await eventually {
            if let response = try? await client.send(request), response.status == 200 { body = response.body }
            return body != nil
        }
        let document = try JSONParser.parse(try #require(body))
        let config = try #require(document["config"])
        #expect(config["publicKey"]?.stringValue == new.publicKey.hex)
        #expect(document["previousKey"]?.stringValue == old.publicKey.hex)
        let signature = try Signature(hex: try #require(document["signature"]?.stringValue))
        #expect(new.publicKey.verifyObject(config, signature: signature, allowLegacy: false) == .recursive)
        let proof: JSONValue = ["id": "tp_1"]
        let previous = try PublicKey(hex: try #require(document["previousKey"]?.stringValue))
        #expect(previous.verifyObject(proof, signature: old.signObject(proof), allowLegacy: false) == .recursive)
    }
}
