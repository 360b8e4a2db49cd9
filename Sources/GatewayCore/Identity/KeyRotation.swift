import Foundation
import Opencharge

/// Replaces the gateway's key with a new one while the old one stays published as `previousKey` for a grace
/// period (DESIGN.md lesson 11).
///
/// The steps are ordered so that a crash at any point leaves a loadable key file and never loses the old key:
/// the old private key is kept first (`<key_file>.old-<rotatedAt>`), then the rotation record is written, and only
/// then is the key file replaced. Every file is written whole (temporary file, fsync, rename) with mode 0600.
public struct KeyRotation: Sendable {
    /// What a rotation did.
    public struct Outcome: Sendable {
        public let oldKey: PublicKey
        public let newKey: PublicKey
        /// The record now beside the key file.
        public let record: KeyRotationRecord
    }

    /// How many numbered names are tried for the old key when forced rotations share one second.
    private static let oldKeyNameAttempts = 10

    public let keyFile: String
    /// How long the old key stays published.
    public let grace: Duration
    /// Rotate even while an earlier rotation's old key is still published (that key then stops being published).
    public let force: Bool

    public init(keyFile: String, grace: Duration, force: Bool) {
        self.keyFile = keyFile
        self.grace = grace
        self.force = force
    }

    /// Rotates to a freshly generated key, `now` being the rotation time.
    public func perform(at now: Date) throws(KeyRotationError) -> Outcome {
        let oldKey: PrivateKey
        do { oldKey = try KeyFile.load(path: keyFile) } catch { throw .currentKey(error) }
        if !force, let earlier = try KeyRotationRecord.load(forKeyFile: keyFile),
            earlier.isCompleted(currentKey: oldKey.publicKey), earlier.isInGrace(at: now)
        {
            throw .withinGrace(graceUntil: earlier.graceUntil)
        }
        let rotatedAt = now.unixSeconds
        let record = KeyRotationRecord(
            publicKey: oldKey.publicKey, rotatedAt: rotatedAt, graceUntil: rotatedAt + grace.components.seconds,
            oldKeyFile: try keep(oldKey, rotatedAt: rotatedAt))
        try record.write(forKeyFile: keyFile)
        let newKey = PrivateKey.generate()
        do { try KeyFile.write(newKey, to: keyFile, replacing: true) } catch { throw .unwritable(error) }
        return Outcome(oldKey: oldKey.publicKey, newKey: newKey.publicKey, record: record)
    }

    /// Writes the old private key under a name no earlier rotation used, and returns that name.
    private func keep(_ oldKey: PrivateKey, rotatedAt: Int64) throws(KeyRotationError) -> String {
        let base = "\(keyFile).old-\(rotatedAt)"
        for attempt in 1...Self.oldKeyNameAttempts {
            let path = attempt == 1 ? base : "\(base)-\(attempt)"
            do {
                try KeyFile.write(oldKey, to: path, replacing: false)
                return path
            } catch .exists {
                continue
            } catch {
                throw .unwritable(error)
            }
        }
        throw .noNameForOldKey(path: base)
    }
}
