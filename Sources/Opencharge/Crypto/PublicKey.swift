import CSecp256k1

/// A secp256k1 public key. Parsed once, so verifying with it is only the curve arithmetic.
public struct PublicKey: Sendable, Hashable, CustomStringConvertible {
    private let raw: [UInt8]  // the 64 bytes x‖y
    private let parsed: secp256k1_pubkey

    public static func == (lhs: PublicKey, rhs: PublicKey) -> Bool { lhs.raw == rhs.raw }
    public func hash(into hasher: inout Hasher) { hasher.combine(raw) }

    /// Accepts 128 hex (x‖y, what Opencharge publishes), 130 hex starting `04`, or 66 hex compressed.
    public init(hex: String) throws(CryptoError) {
        guard let bytes = Hex.decode(hex) else { throw .malformedHex(what: "public key") }
        let sec1: [UInt8]
        switch bytes.count {
        case 64: sec1 = [0x04] + bytes
        case 65 where bytes[0] == 0x04: sec1 = bytes
        case 33 where bytes[0] == 0x02 || bytes[0] == 0x03: sec1 = bytes
        case 65, 33: throw .keyNotOnCurve
        default: throw .wrongLength(what: "public key", got: hex.utf8.count, expected: "128, 130 or 66")
        }
        var key = secp256k1_pubkey()
        guard secp256k1_ec_pubkey_parse(Secp256k1Context.shared.pointer, &key, sec1, sec1.count) == 1 else {
            throw .keyNotOnCurve
        }
        self.init(parsed: key)
    }

    init(parsed key: secp256k1_pubkey) {
        var key = key
        var out = [UInt8](repeating: 0, count: 65)
        var length = 65
        secp256k1_ec_pubkey_serialize(
            Secp256k1Context.shared.pointer, &out, &length, &key, UInt32(SECP256K1_EC_UNCOMPRESSED))
        raw = Array(out[1...])
        parsed = key
    }

    /// The 128-hex form (x‖y without the `04` prefix) that metadata publishes.
    public var hex: String { Hex.encode(raw) }

    /// The 66-hex compressed form.
    public var compressedHex: String {
        (raw[63] & 1 == 0 ? "02" : "03") + Hex.encode(raw[0..<32])
    }

    public var description: String { hex }

    /// True when `signature` is a valid ECDSA signature by this key over `digest`. High-S signatures
    /// are accepted after normalising, as spec §2.1 recommends.
    public func verifies(_ signature: Signature, over digest: SHA256Digest) -> Bool {
        let context = Secp256k1Context.shared.pointer
        var key = parsed
        var signatureValue = secp256k1_ecdsa_signature()
        guard secp256k1_ecdsa_signature_parse_compact(context, &signatureValue, signature.compact) == 1 else {
            return false
        }
        var normalized = secp256k1_ecdsa_signature()
        secp256k1_ecdsa_signature_normalize(context, &normalized, &signatureValue)
        return secp256k1_ecdsa_verify(context, &normalized, digest.bytes, &key) == 1
    }
}
