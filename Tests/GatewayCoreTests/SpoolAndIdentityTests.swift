import Foundation
import GatewayAssembly
import GatewayConfig
import GatewayCore
import Opencharge
import Testing

struct SpoolAndIdentityTests {
    func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ocgate-core-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func configuration(keyFile: String, spool: String, previousKey: String? = nil) -> GatewayConfiguration {
        var configuration = GatewayConfiguration(
            gateway: GatewaySection(
                ocid: 200, name: "Demo", keyFile: keyFile, publicURL: "http://127.0.0.1:8080", currencies: ["USD"],
                previousKey: previousKey))
        configuration.spool.dir = spool
        return configuration
    }

    @Test func runtimeCreatesEverySpoolFolderAndTheDatabase() throws {
        let root = try temporaryDirectory() + "/spool"
        let runtime = try GatewayAssembly.runtime(configuration(keyFile: "unused", spool: root))
        for folder in ["inbox/tmp", "inbox/new", "outbox", "rejected", "statements"] {
            var isDirectory: ObjCBool = false
            #expect(FileManager.default.fileExists(atPath: root + "/" + folder, isDirectory: &isDirectory) && isDirectory.boolValue)
        }
        #expect(runtime.spool.database == root + "/ocgate.db")
        #expect(FileManager.default.fileExists(atPath: root + "/ocgate.db"))
    }

    @Test func identityLoadsTheKeyFileAndPreviousKey() throws {
        let dir = try temporaryDirectory()
        let key = PrivateKey.generate()
        let previous = PrivateKey.generate().publicKey
        try KeyFile.write(key, to: dir + "/gateway.key", replacing: false)
        let identity = try GatewayIdentity(configuration: configuration(keyFile: dir + "/gateway.key", spool: dir, previousKey: previous.hex))
        #expect(identity.key.publicKey == key.publicKey)
        #expect(identity.previousKey == previous)
        let document = MetadataDocument(identity: identity).json(at: Date())
        #expect(document["previousKey"]?.stringValue == previous.hex)
    }

    @Test func identityWithoutAKeyFileSaysHowToMakeOne() throws {
        let dir = try temporaryDirectory()
        #expect {
            try GatewayIdentity(configuration: configuration(keyFile: dir + "/missing.key", spool: dir))
        } throws: { "\($0)".contains("ocgate keys generate") }
    }
}
