import GRDB
import GatewayStore
import Opencharge

/// A request whose authentication checked out except for recording its nonce, which the caller does inside
/// its own write transaction so the nonce and the caller's rows share one commit.
public struct VerifiedRequest: Sendable {
    public let caller: AuthenticatedCaller
    public let credentials: RequestCredentials
    /// The path form the signature verified over (logged: peers disagree on it, spec §13).
    public let signedPath: String
    private let nonces: NonceStore

    init(caller: AuthenticatedCaller, credentials: RequestCredentials, signedPath: String, nonces: NonceStore) {
        self.caller = caller
        self.credentials = credentials
        self.signedPath = signedPath
        self.nonces = nonces
    }

    /// Records the nonce in the caller's write transaction.
    /// - Throws: `APIError` `NONCE_REUSED` (401) when it was used within 600 s; database errors as they are.
    public func recordNonce(in db: Database) throws {
        do {
            try nonces.record(credentials.nonce, ocid: credentials.ocid, in: db)
        } catch let error as NonceError {
            throw APIError.nonceReused(error)
        }
    }

    /// Gives the nonce back after the transaction that recorded it rolled back.
    public func forgetNonce() {
        nonces.forget(credentials.nonce, ocid: credentials.ocid)
    }
}

extension APIError {
    static func nonceReused(_ error: NonceError) -> APIError {
        APIError(.nonceReused, error.description)
    }
}
