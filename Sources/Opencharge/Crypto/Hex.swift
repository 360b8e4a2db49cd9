/// Lower-case hexadecimal, the protocol's encoding for keys, digests and signatures.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `byteCount` random bytes from the system's secure generator, as hex: the ids and nonces of the protocol.
    /// Drawn eight bytes at a time, since every draw is a system call.
    public static func random(byteCount: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(byteCount + 7)
        while bytes.count < byteCount {
            let word = generator.next()
            for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: word >> shift)) }
        }
        return encode(bytes.prefix(byteCount))
    }

    /// Decodes hex of either case; nil for odd lengths or non-hex characters.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let utf8 = text.utf8
        guard utf8.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        var iterator = utf8.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            guard let h = hexNibble(high), let l = hexNibble(low) else { return nil }
            out.append(h << 4 | l)
        }
        return out
    }
}
