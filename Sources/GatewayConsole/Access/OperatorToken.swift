import Crypto
import Foundation

/// The operator token, compared in constant time: both sides are hashed first, so neither the token's length nor
/// the position of the first differing byte shows in how long a wrong guess takes.
struct OperatorToken: Sendable {
    private let digest: [UInt8]

    init(_ token: String) {
        digest = Array(SHA256.hash(data: Data(token.utf8)))
    }

    func matches(_ guess: String) -> Bool {
        Self.equal(digest, Array(SHA256.hash(data: Data(guess.utf8))))
    }

    /// Equal bytes, looking at every byte whatever the first difference.
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
