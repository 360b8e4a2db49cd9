import Foundation
import GatewayConfig
import GatewayCore
import Opencharge
import Testing

/// `metadata.json` after `ocgate keys rotate`, read the way a peer reads it.
struct MetadataDocumentTests {
    let rotatedAt = Date(timeIntervalSince1970: 1_800_000_000)

    /// A key file rotated once at `rotatedAt` with a 24 h grace; returns the key file and the old private key.
    func rotatedKeyFile() throws -> (path: String, oldKey: PrivateKey) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ocgate-metadata-\(UUID().uuidString)").path
        let old = PrivateKey.generate()
        try KeyFile.write(old, to: dir + "/gateway.key", replacing: false)
        _ = try KeyRotation(keyFile: dir + "/gateway.key", grace: .seconds(24 * 3600), force: false).perform(at: rotatedAt)
        return (dir + "/gateway.key", old)
    }

    func peerView(_ document: JSONValue) throws -> PeerMetadata {
        try PeerMetadataReader(allowLegacy: false).read(CanonicalJSON.encode(document), ocid: 200).metadata
    }

    @Test func duringTheGracePeersTrustBothKeys() throws {
        let (path, oldKey) = try rotatedKeyFile()
        let identity = try GatewayIdentity(configuration: IdentityFixture.configuration(keyFile: path))
        let newKey = try KeyFile.load(path: path)
        let document = MetadataDocument(identity: identity).json(at: rotatedAt.addingTimeInterval(3600))
        let config = try #require(document["config"])
        #expect(config["publicKey"]?.stringValue == newKey.publicKey.hex)
        #expect(document["previousKey"]?.stringValue == oldKey.publicKey.hex)
        #expect(document["keyRotatedAt"] == .integer(1_800_000_000))
        let signature = try Signature(hex: try #require(document["signature"]?.stringValue))
        #expect(newKey.publicKey.verifyObject(config, signature: signature, allowLegacy: false) == .recursive)
        #expect(oldKey.publicKey.verifyObject(config, signature: signature, allowLegacy: false) == nil)

        // A proof signed with the old key just before the rotation still verifies against what peers now read.
        let peer = try peerView(document)
        let proof: JSONValue = ["id": "tp_1", "amount": "10.00"]
        let oldSignature = oldKey.signObject(proof)
        #expect(peer.publicKey.verifyObject(proof, signature: oldSignature, allowLegacy: false) == nil)
        let previous = try #require(peer.previousKey)
        #expect(previous.verifyObject(proof, signature: oldSignature, allowLegacy: false) == .recursive)
        #expect(peer.verificationKeys.contains { $0.verifyObject(proof, signature: oldSignature, allowLegacy: false) != nil })
    }

    @Test func afterTheGraceOnlyTheNewKeyIsPublished() throws {
        let (path, _) = try rotatedKeyFile()
        let metadata = MetadataDocument(identity: try GatewayIdentity(configuration: IdentityFixture.configuration(keyFile: path)))
        #expect(metadata.json(at: rotatedAt.addingTimeInterval(24 * 3600 - 1))["previousKey"] != nil)
        let after = metadata.json(at: rotatedAt.addingTimeInterval(24 * 3600))
        #expect(after["previousKey"] == nil)
        #expect(after["keyRotatedAt"] == nil)
        #expect(try peerView(after).previousKey == nil)
    }

    @Test func theConfiguredPreviousKeyWinsOverTheRotationRecord() throws {
        let (path, oldKey) = try rotatedKeyFile()
        let configured = PrivateKey.generate().publicKey
        let identity = try GatewayIdentity(
            configuration: IdentityFixture.configuration(
                keyFile: path, previousKey: configured.hex, keyRotatedAt: 1_700_000_000, grace: .seconds(600)))
        let metadata = MetadataDocument(identity: identity)
        let during = metadata.json(at: Date(timeIntervalSince1970: 1_700_000_599))
        #expect(during["previousKey"]?.stringValue == configured.hex)
        #expect(during["previousKey"]?.stringValue != oldKey.publicKey.hex)
        #expect(during["keyRotatedAt"] == .integer(1_700_000_000))
        #expect(metadata.json(at: Date(timeIntervalSince1970: 1_700_000_600))["previousKey"] == nil)
    }

    @Test func aConfiguredPreviousKeyWithoutRotationTimeStaysPublished() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ocgate-metadata-\(UUID().uuidString)").path
        try KeyFile.write(PrivateKey.generate(), to: dir + "/gateway.key", replacing: false)
        let configured = PrivateKey.generate().publicKey
        let identity = try GatewayIdentity(
            configuration: IdentityFixture.configuration(keyFile: dir + "/gateway.key", previousKey: configured.hex))
        let document = MetadataDocument(identity: identity).json(at: Date(timeIntervalSince1970: 4_000_000_000))
        #expect(document["previousKey"]?.stringValue == configured.hex)
    }

    @Test func aDamagedRotationRecordStopsStartUpNamingTheFile() throws {
        let (path, _) = try rotatedKeyFile()
        try Data("{\"publicKey\":\"zz\"}".utf8).write(to: URL(fileURLWithPath: path + ".previous"))
        #expect {
            try GatewayIdentity(configuration: IdentityFixture.configuration(keyFile: path))
        } throws: { "\($0)".contains(path + ".previous") }
    }
}
