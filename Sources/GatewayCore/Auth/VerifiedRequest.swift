import GatewayStore
import Opencharge

/// A request whose authentication checked out except for recording its nonce, which the store operation that
/// writes the request's effects claims atomically with them (`nonceClaim`).
public struct VerifiedRequest: Sendable {
    public let caller: AuthenticatedCaller
    public let credentials: RequestCredentials
    /// The path form the signature verified over (logged: peers disagree on it, spec §13).
    public let signedPath: String

    init(caller: AuthenticatedCaller, credentials: RequestCredentials, signedPath: String) {
        self.caller = caller
        self.credentials = credentials
        self.signedPath = signedPath
    }

    /// The nonce to claim with the request's effects.
    public var nonceClaim: NonceClaim {
        NonceClaim(nonce: credentials.nonce, ocid: credentials.ocid)
    }
}

extension APIError {
    static func nonceReused(_ error: NonceError) -> APIError {
        APIError(.nonceReused, error.description)
    }
}
