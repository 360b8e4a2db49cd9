import Foundation
import GatewayConfig
import GatewayCore
import Opencharge
import Testing

/// `KeyRotation` on real files: what is left on disk after a rotation, and when a second one is refused.
struct KeyRotationTests {
    let rotatedAt = Date(timeIntervalSince1970: 1_800_000_000)

    /// A directory holding a fresh key file; returns the key file's path and its key.
    func keyFile() throws -> (path: String, key: PrivateKey) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ocgate-rotation-\(UUID().uuidString)").path
        let key = PrivateKey.generate()
        try KeyFile.write(key, to: dir + "/gateway.key", replacing: false)
        return (dir + "/gateway.key", key)
    }

    func mode(_ path: String) throws -> Int? {
        try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
    }

    @Test func rotationReplacesTheKeyAndKeepsTheOldOneForRollback() throws {
        let (path, old) = try keyFile()
        let outcome = try KeyRotation(keyFile: path, grace: .seconds(24 * 3600), force: false).perform(at: rotatedAt)
        let current = try KeyFile.load(path: path)
        #expect(current.publicKey == outcome.newKey)
        #expect(outcome.oldKey == old.publicKey)
        #expect(current.publicKey != old.publicKey)
        #expect(try KeyFile.load(path: path + ".old-1800000000").publicKey == old.publicKey)
        let record = try #require(try KeyRotationRecord.load(forKeyFile: path))
        #expect(record == outcome.record)
        #expect(record.publicKey == old.publicKey)
        #expect(record.rotatedAt == 1_800_000_000)
        #expect(record.graceUntil == 1_800_086_400)
        #expect(record.oldKeyFile == path + ".old-1800000000")
        for file in [path, path + ".previous", path + ".old-1800000000"] { #expect(try mode(file) == 0o600, "\(file)") }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent)
        #expect(leftovers.sorted() == ["gateway.key", "gateway.key.old-1800000000", "gateway.key.previous"])
    }

    @Test func aSecondRotationWithinTheGraceIsRefusedUnlessForced() throws {
        let (path, first) = try keyFile()
        let rotation = KeyRotation(keyFile: path, grace: .seconds(3600), force: false)
        let earlier = try rotation.perform(at: rotatedAt)
        #expect(throws: KeyRotationError.withinGrace(graceUntil: 1_800_003_600)) {
            try rotation.perform(at: rotatedAt.addingTimeInterval(3599))
        }
        #expect(try KeyFile.load(path: path).publicKey == earlier.newKey)
        // Forced in the same second: both old keys are kept under distinct names.
        let forced = try KeyRotation(keyFile: path, grace: .seconds(3600), force: true).perform(at: rotatedAt)
        #expect(forced.oldKey == earlier.newKey)
        #expect(forced.record.oldKeyFile == path + ".old-1800000000-2")
        #expect(try KeyFile.load(path: path + ".old-1800000000").publicKey == first.publicKey)
        #expect(try KeyFile.load(path: path + ".old-1800000000-2").publicKey == earlier.newKey)
    }

    @Test func aRotationAfterTheGraceNeedsNoForce() throws {
        let (path, _) = try keyFile()
        let rotation = KeyRotation(keyFile: path, grace: .seconds(3600), force: false)
        let earlier = try rotation.perform(at: rotatedAt)
        let later = try rotation.perform(at: rotatedAt.addingTimeInterval(3600))
        #expect(later.oldKey == earlier.newKey)
    }

    @Test func aRecordLeftByAnInterruptedRotationNeitherBlocksNorPublishes() throws {
        let (path, key) = try keyFile()
        // What a crash between writing the record and replacing the key file leaves behind.
        let interrupted = KeyRotationRecord(
            publicKey: key.publicKey, rotatedAt: 1_800_000_000, graceUntil: 1_800_086_400, oldKeyFile: path + ".old-1800000000")
        try interrupted.write(forKeyFile: path)
        let identity = try GatewayIdentity(configuration: IdentityFixture.configuration(keyFile: path))
        #expect(identity.previousKey == nil)
        let outcome = try KeyRotation(keyFile: path, grace: .seconds(3600), force: false).perform(at: rotatedAt)
        #expect(outcome.oldKey == key.publicKey)
    }

    @Test func aMissingKeyFileIsNamedWithHowToCreateOne() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ocgate-none-\(UUID().uuidString)/gateway.key").path
        #expect {
            try KeyRotation(keyFile: path, grace: .seconds(60), force: false).perform(at: rotatedAt)
        } throws: { "\($0)".contains("\(path) does not exist") && "\($0)".contains("ocgate keys generate") }
        #expect(!FileManager.default.fileExists(atPath: path + ".previous"))
    }
}
