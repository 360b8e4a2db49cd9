#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address, as the outbound policy checks it and as libcurl is told to connect to it.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// Network byte order: 4 bytes for IPv4, 16 for IPv6.
    let bytes: [UInt8]

    /// Parses a literal address: dotted-quad IPv4, or IPv6 with or without brackets. Returns nil for anything else.
    public init?(_ text: String) {
        var literal = Substring(text)
        if literal.hasPrefix("["), literal.hasSuffix("]") {
            literal = literal.dropFirst().dropLast()
        }
        var v4 = in_addr()
        if inet_pton(AF_INET, String(literal), &v4) == 1 {
            self.init(v4: v4)
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, String(literal), &v6) == 1 {
            self.init(v6: v6)
            return
        }
        return nil
    }

    init(v4: in_addr) {
        bytes = withUnsafeBytes(of: v4) { Array($0) }
    }

    init(v6: in6_addr) {
        bytes = withUnsafeBytes(of: v6) { Array($0) }
    }

    /// Whether this is an IPv6 address.
    public var isV6: Bool { bytes.count == 16 }

    /// The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`), since connecting to one reaches
    /// that IPv4 host; any other address is returned unchanged.
    var unmapped: IPAddress {
        guard isV6, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF else {
            return self
        }
        return IPAddress(bytes: Array(bytes[12...]))
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The canonical text form (`10.0.0.1`, `fe80::1`), without brackets.
    public var description: String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = isV6 ? AF_INET6 : AF_INET
        bytes.withUnsafeBytes { raw in
            _ = inet_ntop(family, raw.baseAddress, &text, socklen_t(text.count))
        }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The form a URL or a libcurl `CURLOPT_RESOLVE` entry needs: IPv6 in brackets.
    var urlForm: String { isV6 ? "[\(description)]" : description }

    /// Whether the first `length` bits equal those of `network` (same family only).
    func hasPrefix(_ network: IPAddress, length: Int) -> Bool {
        guard bytes.count == network.bytes.count else { return false }
        let whole = length / 8
        guard bytes[0..<whole] == network.bytes[0..<whole] else { return false }
        let rest = length % 8
        guard rest > 0 else { return true }
        let mask = UInt8(0xFF) << (8 - rest)
        return bytes[whole] & mask == network.bytes[whole] & mask
    }
}
