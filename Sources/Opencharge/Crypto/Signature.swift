import CSecp256k1

/// An ECDSA signature r‖s, with the recovery byte when it came in the protocol's 130-hex form.
public struct Signature: Sendable, Hashable, CustomStringConvertible {
    /// The 64 bytes r‖s.
    public let compact: [UInt8]
    /// 0 or 1 when known; it only allows key recovery, which no Opencharge flow needs.
    public let recoveryID: UInt8?

    init(compact: [UInt8], recoveryID: UInt8?) {
        self.compact = compact
        self.recoveryID = recoveryID
    }

    /// Accepts 130 hex (r‖s‖v, v ignored), 128 hex (r‖s) or DER in hex (starting `30`).
    /// Refuses r or s equal to zero or not below the curve order.
    public init(hex: String) throws(CryptoError) {
        guard let bytes = Hex.decode(hex) else { throw .malformedHex(what: "signature") }
        let context = Secp256k1Context.shared.pointer
        var parsed = secp256k1_ecdsa_signature()
        var recovery: UInt8?
        switch bytes.count {
        case 64, 65:
            guard secp256k1_ecdsa_signature_parse_compact(context, &parsed, bytes) == 1 else {
                throw .signatureValueOutOfRange
            }
            if bytes.count == 65 { recovery = bytes[64] == 0x1b ? 0 : 1 }
        default:
            guard bytes.first == 0x30 else {
                throw .wrongLength(what: "signature", got: hex.utf8.count, expected: "130, 128 or DER")
            }
            guard secp256k1_ecdsa_signature_parse_der(context, &parsed, bytes, bytes.count) == 1 else {
                throw .malformedDER
            }
        }
        var compact = [UInt8](repeating: 0, count: 64)
        secp256k1_ecdsa_signature_serialize_compact(context, &compact, &parsed)
        guard compact[0..<32].contains(where: { $0 != 0 }), compact[32..<64].contains(where: { $0 != 0 }) else {
            throw .signatureValueOutOfRange
        }
        self.init(compact: compact, recoveryID: recovery)
    }

    /// The protocol form: 130 lower-case hex, r‖s‖v with v = `1b` or `1c` (`1b` when unknown).
    public var hex: String {
        Hex.encode(compact) + ((recoveryID ?? 0) == 0 ? "1b" : "1c")
    }

    public var description: String { hex }
}
