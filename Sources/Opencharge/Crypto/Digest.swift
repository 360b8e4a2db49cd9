import Crypto

/// A SHA-256 digest: what Opencharge signs.
public struct SHA256Digest: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(hashing data: some Sequence<UInt8>) {
        var hasher = Crypto.SHA256()
        hasher.update(data: Array(data))
        self.bytes = Array(hasher.finalize())
    }

    /// Wraps 32 bytes that already are a digest.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self.bytes = bytes
    }

    public var hex: String { Hex.encode(bytes) }
    public var description: String { hex }

    /// SHA-256 of the empty string: the body hash of a request without a body.
    public static let empty = SHA256Digest(hashing: [UInt8]())
}
