/// The six-line string a request signature covers (spec §3.2):
/// ocid, timestamp, nonce, METHOD, path with query, hex SHA-256 of the body bytes.
public struct CanonicalRequest: Sendable, Equatable {
    public var ocid: String
    public var timestamp: String
    public var nonce: String
    public var method: String
    public var path: String
    public var bodyHash: SHA256Digest

    /// Builds the string from header values as received; `method` is upper-cased.
    public init(ocid: String, timestamp: String, nonce: String, method: String, path: String, bodyHash: SHA256Digest) {
        self.ocid = ocid
        self.timestamp = timestamp
        self.nonce = nonce
        self.method = method.uppercased()
        self.path = path
        self.bodyHash = bodyHash
    }

    public init(ocid: UInt64, timestamp: Int64, nonce: String, method: String, path: String, body: some Sequence<UInt8>) {
        self.init(
            ocid: String(ocid), timestamp: String(timestamp), nonce: nonce, method: method, path: path,
            bodyHash: SHA256Digest(hashing: body))
    }

    public var text: String {
        [ocid, timestamp, nonce, method, path, bodyHash.hex].joined(separator: "\n")
    }

    public var digest: SHA256Digest { SHA256Digest(hashing: text.utf8) }
}

/// The four-line string a response signature covers (spec §3.5): responder ocid, timestamp,
/// status code, hex SHA-256 of the body bytes.
public struct CanonicalResponse: Sendable, Equatable {
    public var ocid: String
    public var timestamp: String
    public var status: Int
    public var bodyHash: SHA256Digest

    public init(ocid: String, timestamp: String, status: Int, bodyHash: SHA256Digest) {
        self.ocid = ocid
        self.timestamp = timestamp
        self.status = status
        self.bodyHash = bodyHash
    }

    public init(ocid: UInt64, timestamp: Int64, status: Int, body: some Sequence<UInt8>) {
        self.init(ocid: String(ocid), timestamp: String(timestamp), status: status, bodyHash: SHA256Digest(hashing: body))
    }

    public var text: String { [ocid, timestamp, String(status), bodyHash.hex].joined(separator: "\n") }

    public var digest: SHA256Digest { SHA256Digest(hashing: text.utf8) }
}
