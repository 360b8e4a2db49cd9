/// Why a request nonce was not recorded.
public enum NonceError: Error, Equatable, CustomStringConvertible {
    /// The caller already used this nonce within the retention window.
    case reused(ocid: UInt64, nonce: String)

    public var description: String {
        switch self {
        case let .reused(ocid, nonce): "nonce '\(nonce)' of OCID \(ocid) was already used"
        }
    }
}
