import Foundation
import Opencharge

/// Response signatures this process verified recently.
///
/// An MG that takes proofs after hosted checkout answers each one `{"status":"accepted"}` (spec §6.1 (a)), and a
/// signer with deterministic nonces (RFC 6979, libsecp256k1's default) signs the same status, body and second
/// into the same bytes: under load every reply of one second carries one signature. Remembering the ones that
/// verified turns thousands of verifications a second into one per MG and second. Only successes are kept, so a
/// bad signature is checked (and logged) every time.
///
/// `@unchecked Sendable`: `seen` is only touched under `lock`.
final class VerifiedResponses: @unchecked Sendable {
    private struct Entry: Hashable {
        let key: PublicKey
        let digest: SHA256Digest
        let signature: Signature
    }

    /// Past this many entries the memory starts over: a reply's digest includes its second, so old entries are
    /// dead weight and only the current second's few matter.
    private let capacity: Int
    private let lock = NSLock()
    private var seen: Set<Entry> = []

    init(capacity: Int = 1024) {
        self.capacity = capacity
    }

    /// How many verified signatures are remembered now.
    var remembered: Int { lock.withLock { seen.count } }

    /// Whether `signature` over `digest` verifies with one of `keys`, verifying only what was not seen verified.
    func verify(_ signature: Signature, over digest: SHA256Digest, keys: [PublicKey]) -> Bool {
        let known = lock.withLock { keys.contains { seen.contains(Entry(key: $0, digest: digest, signature: signature)) } }
        if known { return true }
        guard let key = keys.first(where: { $0.verifies(signature, over: digest) }) else { return false }
        lock.withLock {
            if seen.count >= capacity { seen.removeAll(keepingCapacity: true) }
            seen.insert(Entry(key: key, digest: digest, signature: signature))
        }
        return true
    }
}
