import CSecp256k1

/// The one libsecp256k1 context of the process.
///
/// Safe to share: after creation and randomisation the context is only passed as `const` to
/// signing and verification, which libsecp256k1 documents as thread-safe.
final class Secp256k1Context: @unchecked Sendable {
    static let shared = Secp256k1Context()

    let pointer: OpaquePointer

    private init() {
        pointer = secp256k1_context_create(UInt32(SECP256K1_CONTEXT_NONE))!
        // Randomisation blinds signing against side channels.
        var seed = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for i in seed.indices { seed[i] = generator.next() }
        _ = secp256k1_context_randomize(pointer, seed)
    }
}
