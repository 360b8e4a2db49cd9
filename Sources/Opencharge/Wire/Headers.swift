/// The request and response signature headers of spec §3.1 and §3.5.
public enum OCHeader {
    public static let id = "X-OC-ID"
    public static let timestamp = "X-OC-Timestamp"
    public static let nonce = "X-OC-Nonce"
    public static let signature = "X-OC-Signature"
}

/// A fresh request nonce: `req_` and 32 random hex characters, as the reference client makes them.
public enum Nonce {
    public static func generate() -> String {
        "req_" + Hex.random(byteCount: 16)
    }
}
