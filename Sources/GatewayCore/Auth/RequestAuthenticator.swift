import Foundation
import GatewayConfig
import GatewayStore
import Logging
import Opencharge

/// The real `RequestAuthenticating` (spec §3): header shape, timestamp window, partner policy, caller
/// metadata, the request signature, then the nonce, in that order (cheapest refusals first; the nonce is
/// recorded only once the signature verified, so a forged request cannot burn a real caller's nonce).
public struct RequestAuthenticator: RequestAuthenticating {
    /// The largest accepted |now − timestamp|.
    public static let timestampWindow: Int64 = 300

    private let directory: any PeerDirectory
    private let nonces: any NonceStore
    private let policy: PartnerPolicy
    private let basePath: String
    private let time: any TimeSource
    private let logger: Logger

    /// - Parameters:
    ///   - directory: where the caller's metadata (its keys) comes from.
    ///   - nonces: the shared nonce store.
    ///   - policy: the partner policy (`partners.open`); share one per process.
    ///   - basePath: `http.base_path`, stripped for the base-relative path form.
    public init(
        directory: any PeerDirectory, nonces: any NonceStore, policy: PartnerPolicy, basePath: String,
        time: any TimeSource = SystemTime(), logger: Logger
    ) {
        self.directory = directory
        self.nonces = nonces
        self.policy = policy
        self.basePath = basePath
        self.time = time
        self.logger = logger
    }

    /// An authenticator for one process, configured from `partners.open` and `http.base_path`, with its own
    /// partner policy (make one per process and share it).
    public init(
        configuration: GatewayConfiguration, directory: any PeerDirectory, nonces: any NonceStore,
        partners: any PartnerStore, time: any TimeSource = SystemTime(), logger: Logger
    ) {
        self.init(
            directory: directory, nonces: nonces,
            policy: PartnerPolicy(partners: partners, open: configuration.partners.open, time: time),
            basePath: configuration.http.basePath, time: time, logger: logger)
    }

    /// Authenticates and records the nonce in a transaction of its own.
    public func authenticate(_ request: IncomingRequest) async throws(APIError) -> AuthenticatedCaller {
        let verified = try await verify(request)
        do {
            try await nonces.record(verified.credentials.nonce, ocid: verified.caller.ocid)
        } catch let error as NonceError {
            throw .nonceReused(error)
        } catch {
            logger.error("could not record nonce of OCID \(verified.caller.ocid): \(error)")
            throw APIError(.internalError, "could not record the request nonce")
        }
        return verified.caller
    }

    /// Every check but recording the nonce: hand `VerifiedRequest.nonceClaim` to the store operation that writes
    /// the request's effects, which claims it atomically with them.
    /// - Throws: `APIError` with the codes of spec §3.3.
    public func verify(_ request: IncomingRequest) async throws(APIError) -> VerifiedRequest {
        let credentials = try RequestCredentials(request)
        let now = Int64(time.now().timeIntervalSince1970.rounded(.down))
        guard abs(now - credentials.timestamp) <= Self.timestampWindow else {
            throw APIError(
                .timestampExpired,
                "\(OCHeader.timestamp) \(credentials.timestamp) is more than \(Self.timestampWindow) s from now (\(now))")
        }
        if nonces.recentlySeen(credentials.nonce, ocid: credentials.ocid) {
            throw .nonceReused(.reused(ocid: credentials.ocid, nonce: credentials.nonce))
        }
        try await policy.admit(credentials.ocid)
        let metadata = try await directory.metadata(for: credentials.ocid)
        guard let path = signedPath(of: request, credentials, keys: metadata.verificationKeys) else {
            throw APIError(.invalidSignature, "request signature does not verify with the key of OCID \(credentials.ocid)")
        }
        if path != request.target {
            logger.debug("OCID \(credentials.ocid) signed \(request.target) as \(path)")
        }
        return VerifiedRequest(
            caller: AuthenticatedCaller(ocid: credentials.ocid, metadata: metadata), credentials: credentials,
            signedPath: path)
    }

    private func signedPath(of request: IncomingRequest, _ credentials: RequestCredentials, keys: [PublicKey]) -> String? {
        let bodyHash = SHA256Digest(hashing: request.body)
        for path in SignedPath.candidates(target: request.target, basePath: basePath) {
            let digest = CanonicalRequest(
                ocid: credentials.ocidText, timestamp: credentials.timestampText, nonce: credentials.nonce,
                method: request.method, path: path, bodyHash: bodyHash
            ).digest
            if keys.contains(where: { $0.verifies(credentials.signature, over: digest) }) { return path }
        }
        return nil
    }
}
