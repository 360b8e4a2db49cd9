import CSecp256k1

/// A secp256k1 private key. Its description never shows the secret.
public struct PrivateKey: Sendable, CustomStringConvertible {
    private let secret: [UInt8]
    /// The matching public key, derived once.
    public let publicKey: PublicKey

    /// Parses the 64-hex form of the key file.
    public init(hex: String) throws(CryptoError) {
        guard let bytes = Hex.decode(hex) else { throw .malformedHex(what: "private key") }
        guard bytes.count == 32 else {
            throw .wrongLength(what: "private key", got: hex.utf8.count, expected: "64")
        }
        try self.init(bytes: bytes)
    }

    init(bytes: [UInt8]) throws(CryptoError) {
        let context = Secp256k1Context.shared.pointer
        guard secp256k1_ec_seckey_verify(context, bytes) == 1 else { throw .invalidPrivateKey }
        var key = secp256k1_pubkey()
        guard secp256k1_ec_pubkey_create(context, &key, bytes) == 1 else { throw .invalidPrivateKey }
        secret = bytes
        publicKey = PublicKey(parsed: key)
    }

    /// A new random key from the system's cryptographic random source.
    public static func generate() -> PrivateKey {
        var generator = SystemRandomNumberGenerator()
        while true {
            let candidate = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            if let key = try? PrivateKey(bytes: candidate) { return key }
        }
    }

    /// The 64-hex form written to key files.
    public var hex: String { Hex.encode(secret) }

    public var description: String { "PrivateKey(public: \(publicKey.hex))" }

    /// Signs a digest: RFC 6979 nonce, low-S, with the recovery id for the `v` byte.
    public func sign(_ digest: SHA256Digest) -> Signature {
        let context = Secp256k1Context.shared.pointer
        var recoverable = secp256k1_ecdsa_recoverable_signature()
        let signed = secp256k1_ecdsa_sign_recoverable(context, &recoverable, digest.bytes, secret, nil, nil)
        precondition(signed == 1, "libsecp256k1 refused to sign with a verified key")
        var compact = [UInt8](repeating: 0, count: 64)
        var recoveryID: Int32 = 0
        secp256k1_ecdsa_recoverable_signature_serialize_compact(context, &compact, &recoveryID, &recoverable)
        return Signature(compact: compact, recoveryID: UInt8(recoveryID))
    }
}
