/// The `X-OC-*` header values of one signed request.
public struct SignedRequestHeaders: Sendable, Equatable {
    public let ocid: String
    public let timestamp: String
    public let nonce: String
    public let signature: String

    /// Header name/value pairs, ready to send.
    public var fields: [(name: String, value: String)] {
        [(OCHeader.id, ocid), (OCHeader.timestamp, timestamp), (OCHeader.nonce, nonce), (OCHeader.signature, signature)]
    }
}

/// The `X-OC-*` header values of one signed response (no nonce).
public struct SignedResponseHeaders: Sendable, Equatable {
    public let ocid: String
    public let timestamp: String
    public let signature: String

    public var fields: [(name: String, value: String)] {
        [(OCHeader.id, ocid), (OCHeader.timestamp, timestamp), (OCHeader.signature, signature)]
    }
}

/// Which canonical form a signature verified under.
public enum CanonicalForm: String, Sendable {
    /// §2.3, what ocgate signs.
    case recursive
    /// §2.4, the replacer-array form of older snippets.
    case legacy
}

extension PrivateKey {
    /// Signs a request with fresh headers (§3.2); sign every attempt anew (§13 item 25).
    public func signRequest(
        ocid: UInt64, method: String, path: String, body: some Sequence<UInt8>,
        timestamp: Int64, nonce: String = Nonce.generate()
    ) -> SignedRequestHeaders {
        let canonical = CanonicalRequest(ocid: ocid, timestamp: timestamp, nonce: nonce, method: method, path: path, body: body)
        return SignedRequestHeaders(
            ocid: canonical.ocid, timestamp: canonical.timestamp, nonce: nonce, signature: sign(canonical.digest).hex)
    }

    /// Signs a response (§3.5).
    public func signResponse(ocid: UInt64, status: Int, body: some Sequence<UInt8>, timestamp: Int64) -> SignedResponseHeaders {
        let canonical = CanonicalResponse(ocid: ocid, timestamp: timestamp, status: status, body: body)
        return SignedResponseHeaders(ocid: canonical.ocid, timestamp: canonical.timestamp, signature: sign(canonical.digest).hex)
    }

    /// Signs a JSON object (order, proof, metadata config, statement) over its recursive canonical form.
    public func signObject(_ value: JSONValue) -> Signature {
        sign(SHA256Digest(hashing: CanonicalJSON.encode(value)))
    }
}

extension PublicKey {
    /// Verifies an object signature over the recursive form, then (if allowed) the legacy form.
    /// - Returns: the form that verified, or nil when neither did.
    public func verifyObject(_ value: JSONValue, signature: Signature, allowLegacy: Bool) -> CanonicalForm? {
        verifyObject(value, canonical: CanonicalJSON.encode(value), signature: signature, allowLegacy: allowLegacy)
    }

    /// The same, for a caller that has `value`'s recursive canonical form already (and keeps it).
    public func verifyObject(
        _ value: JSONValue, canonical: [UInt8], signature: Signature, allowLegacy: Bool
    ) -> CanonicalForm? {
        if verifies(signature, over: SHA256Digest(hashing: canonical)) { return .recursive }
        if allowLegacy, verifies(signature, over: SHA256Digest(hashing: CanonicalJSON.encodeLegacy(value))) {
            return .legacy
        }
        return nil
    }
}
