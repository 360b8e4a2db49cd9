import Opencharge
import Testing

/// Bad keys and signatures give typed errors, never a crash; the accepted encodings verify.
struct KeyAndSignatureInputTests {
    let key = TestVectorTests.key
    let digest = SHA256Digest(hashing: Array("message".utf8))
    /// secp256k1 group order n.
    static let order = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"

    @Test func privateKeyInput() {
        #expect(throws: CryptoError.malformedHex(what: "private key")) { try PrivateKey(hex: "zz" + String(repeating: "0", count: 62)) }
        #expect(throws: CryptoError.wrongLength(what: "private key", got: 62, expected: "64")) {
            try PrivateKey(hex: String(repeating: "1", count: 62))
        }
        #expect(throws: CryptoError.invalidPrivateKey) { try PrivateKey(hex: String(repeating: "0", count: 64)) }
        #expect(throws: CryptoError.invalidPrivateKey) { try PrivateKey(hex: Self.order) }
        #expect(!String(describing: key).contains(key.hex))
    }

    @Test func publicKeyInput() {
        #expect(throws: CryptoError.malformedHex(what: "public key")) { try PublicKey(hex: "xyz") }
        #expect(throws: CryptoError.wrongLength(what: "public key", got: 100, expected: "128, 130 or 66")) {
            try PublicKey(hex: String(repeating: "a", count: 100))
        }
        // x = 0 is not on the curve, in every encoding.
        #expect(throws: CryptoError.keyNotOnCurve) { try PublicKey(hex: String(repeating: "0", count: 128)) }
        #expect(throws: CryptoError.keyNotOnCurve) { try PublicKey(hex: "05" + String(repeating: "1", count: 128)) }
        #expect(throws: CryptoError.keyNotOnCurve) { try PublicKey(hex: "02" + String(repeating: "0", count: 64)) }
        var tampered = Array(TestVectorTests.publicHex)
        tampered[127] = tampered[127] == "4" ? "5" : "4"
        #expect(throws: CryptoError.keyNotOnCurve) { try PublicKey(hex: String(tampered)) }
    }

    @Test func signatureEncodingsAccepted() throws {
        let signature = key.sign(digest)
        let hex130 = signature.hex
        #expect(hex130.count == 130)
        #expect(hex130.hasSuffix("1b") || hex130.hasSuffix("1c"))
        #expect(key.publicKey.verifies(try Signature(hex: hex130), over: digest))
        #expect(key.publicKey.verifies(try Signature(hex: String(hex130.prefix(128))), over: digest))
        #expect(key.publicKey.verifies(try Signature(hex: hex130.uppercased()), over: digest))
        // v is ignored on verify.
        let flippedV = String(hex130.prefix(128)) + (hex130.hasSuffix("1b") ? "1c" : "1b")
        #expect(key.publicKey.verifies(try Signature(hex: flippedV), over: digest))
        #expect(key.publicKey.verifies(try Signature(hex: Self.der(signature.compact)), over: digest))
    }

    @Test func highSIsNormalisedOnVerifyButNeverEmitted() throws {
        let signature = key.sign(digest)
        let s = Array(signature.compact[32...])
        #expect(Self.compare(s, Self.halfOrder) <= 0, "emitted S must be low")
        let highS = Self.subtract(Array(Hex.decode(Self.order)!), s)
        let high = Hex.encode(signature.compact[0..<32]) + Hex.encode(highS)
        #expect(key.publicKey.verifies(try Signature(hex: high), over: digest))
    }

    @Test func signatureValuesOutOfRange() {
        let zero = String(repeating: "0", count: 64)
        let one = String(repeating: "0", count: 63) + "1"
        #expect(throws: CryptoError.signatureValueOutOfRange) { try Signature(hex: zero + one) }
        #expect(throws: CryptoError.signatureValueOutOfRange) { try Signature(hex: one + zero) }
        #expect(throws: CryptoError.signatureValueOutOfRange) { try Signature(hex: Self.order + one) }
        #expect(throws: CryptoError.signatureValueOutOfRange) { try Signature(hex: one + Self.order + "1b") }
        #expect(throws: CryptoError.malformedHex(what: "signature")) { try Signature(hex: "0g" + zero + zero) }
        #expect(throws: CryptoError.wrongLength(what: "signature", got: 10, expected: "130, 128 or DER")) {
            try Signature(hex: "1234567890")
        }
        #expect(throws: CryptoError.malformedDER) { try Signature(hex: "3006020101020100ff") }
    }

    @Test func wrongKeyOrDigestFails() throws {
        let signature = key.sign(digest)
        let other = PrivateKey.generate()
        #expect(!other.publicKey.verifies(signature, over: digest))
        #expect(!key.publicKey.verifies(signature, over: SHA256Digest(hashing: Array("massage".utf8))))
    }

    // MARK: helpers for DER and big-endian arithmetic

    static let halfOrder = Array(Hex.decode("7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0")!)

    static func compare(_ a: [UInt8], _ b: [UInt8]) -> Int {
        for (x, y) in zip(a, b) where x != y { return x < y ? -1 : 1 }
        return 0
    }

    static func subtract(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: a.count)
        var borrow = 0
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            var value = Int(a[i]) - Int(b[i]) - borrow
            borrow = value < 0 ? 1 : 0
            if value < 0 { value += 256 }
            result[i] = UInt8(value)
        }
        return result
    }

    static func der(_ compact: [UInt8]) -> String {
        func integer(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
            var trimmed = Array(bytes.drop { $0 == 0 })
            if trimmed.isEmpty || trimmed[0] & 0x80 != 0 { trimmed.insert(0, at: 0) }
            return [0x02, UInt8(trimmed.count)] + trimmed
        }
        let body = integer(compact[0..<32]) + integer(compact[32..<64])
        return Hex.encode([0x30, UInt8(body.count)] + body)
    }
}
