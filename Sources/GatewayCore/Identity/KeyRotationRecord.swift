import Foundation
import Opencharge

/// What `ocgate keys rotate` leaves beside the key file (`<key_file>.previous`): the old public key and how long
/// it stays published as `previousKey`.
public struct KeyRotationRecord: Sendable, Equatable {
    /// The public key of the key that was replaced.
    public let publicKey: PublicKey
    /// When the rotation happened, in Unix seconds (published as `keyRotatedAt`).
    public let rotatedAt: Int64
    /// The old key is published while the current time is before this instant, in Unix seconds.
    public let graceUntil: Int64
    /// Where the old private key was kept, for a rollback.
    public let oldKeyFile: String

    public init(publicKey: PublicKey, rotatedAt: Int64, graceUntil: Int64, oldKeyFile: String) {
        self.publicKey = publicKey
        self.rotatedAt = rotatedAt
        self.graceUntil = graceUntil
        self.oldKeyFile = oldKeyFile
    }

    /// The record's path for a key file.
    public static func path(forKeyFile keyFile: String) -> String { keyFile + ".previous" }

    /// Whether the old key is still to be published at `now`.
    public func isInGrace(at now: Date) -> Bool { now.unixSeconds < graceUntil }

    /// Whether the rotation got as far as replacing the key file: a record naming the current key is left by a
    /// rotation that stopped before that step, and publishes nothing.
    public func isCompleted(currentKey: PublicKey) -> Bool { publicKey != currentKey }

    /// The record as written to disk.
    public var json: JSONValue {
        [
            "publicKey": .string(publicKey.hex), "rotatedAt": .integer(rotatedAt), "graceUntil": .integer(graceUntil),
            "oldKeyFile": .string(oldKeyFile),
        ]
    }

    /// Reads the record beside `keyFile`; nil when there is none (the key was never rotated).
    public static func load(forKeyFile keyFile: String) throws(KeyRotationError) -> KeyRotationRecord? {
        let path = path(forKeyFile: keyFile)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .invalidRecord(path: path, reason: "it cannot be read")
        }
        let document: JSONValue
        do { document = try JSONParser.parse(Array(data)) } catch { throw .invalidRecord(path: path, reason: error.description) }
        guard let hex = document["publicKey"]?.stringValue, let publicKey = try? PublicKey(hex: hex) else {
            throw .invalidRecord(path: path, reason: "publicKey must be a public key in hex")
        }
        guard let rotatedAt = document["rotatedAt"]?.numberValue?.int64Value,
            let graceUntil = document["graceUntil"]?.numberValue?.int64Value
        else {
            throw .invalidRecord(path: path, reason: "rotatedAt and graceUntil must be Unix seconds")
        }
        return KeyRotationRecord(
            publicKey: publicKey, rotatedAt: rotatedAt, graceUntil: graceUntil,
            oldKeyFile: document["oldKeyFile"]?.stringValue ?? "")
    }

    /// Writes the record beside `keyFile` atomically, mode 0600.
    public func write(forKeyFile keyFile: String) throws(KeyRotationError) {
        let path = Self.path(forKeyFile: keyFile)
        do { try KeyFile.writeOwnerOnly(CanonicalJSON.string(json) + "\n", to: path, replacing: true) } catch {
            throw .unwritable(error)
        }
    }
}
