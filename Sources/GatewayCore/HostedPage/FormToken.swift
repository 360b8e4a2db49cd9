import Crypto
import Foundation
import Opencharge

/// The CSRF token of the hosted page's forms: HMAC-SHA256 of the session id under a secret derived from the
/// gateway's signing key. Every process serving the same gateway computes the same token, a restart does not
/// invalidate an open page, and nothing is stored; a page on another site cannot read it, so it cannot post.
public struct FormToken: Sendable {
    // Bytes rather than a `SymmetricKey`, which is not Sendable in this swift-crypto.
    private let secret: [UInt8]

    /// - Parameter secret: at least 32 bytes nobody outside the gateway knows.
    public init(secret: [UInt8]) {
        self.secret = secret
    }

    /// Derives the secret from the gateway key, domain-separated so the token never equals anything the key
    /// signs.
    public init(gatewayKey: PrivateKey) {
        self.init(secret: SHA256Digest(hashing: Array("ocgate hosted-page form token v1:\(gatewayKey.hex)".utf8)).bytes)
    }

    /// The token the page for `sessionID` embeds.
    public func token(for sessionID: String) -> String {
        Hex.encode(Array(HMAC<SHA256>.authenticationCode(for: Data(sessionID.utf8), using: SymmetricKey(data: secret))))
    }

    /// Whether `token` is the one for `sessionID`, compared in constant time.
    public func verifies(_ token: String, for sessionID: String) -> Bool {
        guard let bytes = Hex.decode(token), bytes.count == SHA256.byteCount else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(bytes, authenticating: Data(sessionID.utf8), using: SymmetricKey(data: secret))
    }
}
